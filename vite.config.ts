import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { precacheManifestPlugin } from './src/build/precache-plugin';
import { wasmThreadsPlugin } from './src/build/wasm-threads-plugin';
import { contentSecurityPolicy, crossOriginIsolationHeaders } from './src/csp';

// The same CSP is sent as a response header (it covers the worker script, which does not
// inherit a <meta> CSP) and as a <meta> tag in index.html (covers static hosting without headers).
const securityHeaders = {
  'Content-Security-Policy': contentSecurityPolicy,
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  ...crossOriginIsolationHeaders,
};

// The dev server (React Fast Refresh) injects an inline module script, which the strict policy
// blocks; `vite` (dev) alone allows inline scripts. It also allows blob: scripts: dev serves
// tfjs-backend-wasm pre-bundled, without wasmThreadsPlugin's patch, so its pthread workers
// importScripts the threaded module from a blob: URL (src/build/wasm-threads-plugin.ts).
// Builds and `vite preview` keep the strict one.
const devContentSecurityPolicy = contentSecurityPolicy.replace(
  "script-src 'self'",
  "script-src 'self' 'unsafe-inline' blob:",
);
if (devContentSecurityPolicy === contentSecurityPolicy)
  throw new Error('src/csp.ts: no script-src to relax for dev');
const devSecurityHeaders = { ...securityHeaders, 'Content-Security-Policy': devContentSecurityPolicy };

/** Directives a browser ignores (and complains about) in a <meta> CSP; they only work as a header. */
const HEADER_ONLY_DIRECTIVES = ['frame-ancestors', 'report-uri', 'sandbox'];

/** src/csp.ts's policy minus the header-only directives: what a <meta> tag can enforce. */
export function metaContentSecurityPolicy(policy: string): string {
  return policy
    .split(';')
    .map((d) => d.trim())
    .filter((d) => d !== '' && !HEADER_ONLY_DIRECTIVES.includes(d.split(/\s+/)[0]))
    .join('; ');
}

const CSP_PLACEHOLDER = '%APP_CSP%';

/**
 * Fills `%APP_CSP%` in every HTML entry from src/csp.ts, so header and <meta> have one source.
 * Fails the build when a page lacks the placeholder: a page without a CSP must not ship.
 */
function cspMetaPlugin(): Plugin {
  const escaped = (policy: string) =>
    metaContentSecurityPolicy(policy)
      .replaceAll('&', '&amp;')
      .replaceAll('"', '&quot;')
      .replaceAll('<', '&lt;')
      .replaceAll('>', '&gt;');
  return {
    name: 'distildp-csp-meta',
    transformIndexHtml: {
      order: 'pre',
      handler(html, ctx) {
        if (!html.includes(CSP_PLACEHOLDER)) {
          throw new Error(
            `${ctx.path}: no <meta http-equiv="Content-Security-Policy" content="${CSP_PLACEHOLDER}">`,
          );
        }
        return html.replaceAll(
          CSP_PLACEHOLDER,
          escaped(ctx.server ? devContentSecurityPolicy : contentSecurityPolicy),
        );
      },
    },
  };
}

export default defineConfig({
  plugins: [cspMetaPlugin(), react(), wasmThreadsPlugin(), precacheManifestPlugin()],
  // Worker bundles get only these plugins, not the page's: the training worker needs the threads patch.
  worker: { format: 'es', plugins: () => [wasmThreadsPlugin()] },
  build: {
    target: 'es2022',
    sourcemap: false,
    chunkSizeWarningLimit: 4096,
    rollupOptions: { input: { main: 'index.html', bench: 'bench.html', kernelCheck: 'kernel-check.html' } },
  },
  server: { host: '127.0.0.1', headers: devSecurityHeaders },
  preview: { host: '127.0.0.1', headers: securityHeaders },
  // No optimizeDeps.exclude for tfjs-backend-wasm: its emscripten glue is CommonJS and loads in the
  // dev server only pre-bundled. The .wasm files come from `?url` imports (src/worker/wasm-paths.ts).
});
