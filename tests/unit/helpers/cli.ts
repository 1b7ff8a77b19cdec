import type { CommandIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/main';

/** Runs `distildp <argv>` in-process: its exit code and what it wrote to stdout and stderr. */
export async function runCli(argv: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CommandIO = {
    out: (t) => {
      out += `${t}\n`;
    },
    err: (t) => {
      err += `${t}\n`;
    },
  };
  return { code: await main(argv, io), out, err };
}
