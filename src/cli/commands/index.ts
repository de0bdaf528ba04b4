/**
 * Every reefctl subcommand, in help order. A new one (`ipam`, `node status`)
 * is a module exporting a CommandModule, added here.
 */
import type { CommandModule } from '../command.ts';
import { applyCommands } from './apply.ts';
import { deleteCommand } from './delete.ts';
import { getCommand } from './get.ts';
import { ipamCommands } from './ipam.ts';
import { nodeCommands } from './node.ts';
import { validateCommand } from './validate.ts';
import { versionCommand } from './version.ts';

export const COMMANDS: readonly CommandModule[] = [applyCommands, deleteCommand, getCommand, ipamCommands, nodeCommands, validateCommand, versionCommand];
