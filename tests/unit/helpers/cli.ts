import type { CommandIO } from '../../../src/cli/command';
import { main } from '../../../src/cli/main';

/** Runs `distildp <argv>` in-process, capturing stdout and stderr. */
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
  const code = await main(argv, io);
  return { code, out, err };
}
