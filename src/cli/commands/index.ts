import type { Command } from '../command';
import { benchCommand } from './bench';
import { infoCommand } from './info';
import { pretrainCommand } from './pretrain';

/** Every `distildp` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [infoCommand, benchCommand, pretrainCommand];
