#!/usr/bin/env node
import { captureEarlySignals } from './cli/earlySignals.js';

captureEarlySignals();
// Loaded after the capture is in place (see earlySignals.ts). Each command's action ends the process
// itself (runCommand) with its exit code.
const { buildProgram } = await import('./cli/program.js');
await buildProgram().parseAsync(process.argv);
