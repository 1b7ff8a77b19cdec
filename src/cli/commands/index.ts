import type { Command } from '../command';
import { benchCommand } from './bench';
import { epsilonCommand } from './epsilon';
import { infoCommand } from './info';
import { pipelineCommand } from './pipeline';
import { pretrainCommand } from './pretrain';
import { sigmaCommand } from './sigma';

/** Every `distildp` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [
  infoCommand,
  pipelineCommand,
  pretrainCommand,
  epsilonCommand,
  sigmaCommand,
  benchCommand,
];
