#!/usr/bin/env node

/** The `himage` program (IMUNES's name), installed with the package: cli_himage.ts has it. */

import { mainHimage, runMain } from './cli_himage.js'

void runMain('himage', mainHimage)
