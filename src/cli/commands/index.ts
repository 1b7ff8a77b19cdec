import type { Command } from '../command';
import { auditCommand } from './audit';
import { benchCommand } from './bench';
import { epsilonCommand } from './epsilon';
import { evalCommand } from './eval';
import { exportCommand } from './export';
import { generateCommand } from './generate';
import { infoCommand } from './info';
import { pipelineCommand } from './pipeline';
import { pretrainCommand } from './pretrain';
import { sigmaCommand } from './sigma';
import { trainCommand } from './train';

/** Every `distildp` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [
  infoCommand,
  pipelineCommand,
  trainCommand,
  generateCommand,
  evalCommand,
  exportCommand,
  epsilonCommand,
  sigmaCommand,
  pretrainCommand,
  benchCommand,
  auditCommand,
];
