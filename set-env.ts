#!/usr/bin/env -S npx tsx
/**
 * `npx tsx set-env.ts [--dotenv [FILE]] [--show-secrets] [--config FILE]`: the `latigo set-env` command,
 * runnable from a checkout without a build. See src/cli/setEnvCommand.ts.
 *
 *   npx tsx set-env.ts                  # first run: creates local_config.yaml from local_config.example.yaml
 *   eval "$(npx tsx set-env.ts)"        # later: validates it and exports LATIGO_* variables
 *   npx tsx set-env.ts --dotenv         # or writes them to .env for docker compose
 */
import { buildProgram } from './src/cli/program.js';

await buildProgram().parseAsync([process.argv[0]!, process.argv[1]!, 'set-env', ...process.argv.slice(2)]);
