import type { Command } from '../command';
import { infoCommand } from './info';

/** Every `distildp` subcommand, in the order `--help` lists them. */
export const commands: Command[] = [infoCommand];
