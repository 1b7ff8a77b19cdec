// Entry point of a gradient helper thread of the `distildp` CLI (src/cli/gradient-workers.ts):
// like bin/distildp.mjs, it runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/gradient-helper.ts');
