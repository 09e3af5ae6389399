#!/usr/bin/env node

/** The `hcp` program (IMUNES's name), installed with the package: cli_himage.ts has it. */

import { mainHcp, runMain } from './cli_himage.js'

void runMain('hcp', mainHcp)
