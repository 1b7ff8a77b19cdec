#!/usr/bin/env node
// Entry point of the `distildp` CLI. The CLI runs the TypeScript sources directly through tsx,
// so a fresh clone needs only `npm ci` (no build step) to use it.
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
const code = await main(process.argv.slice(2));
process.exitCode = code;
