#!/usr/bin/env node

/** The `imunes` program (IMUNES's name), installed with the package: cli_himage.ts has it. */

import { mainImunes, runMain } from './cli_himage.js'

void runMain('imunes', mainImunes)
