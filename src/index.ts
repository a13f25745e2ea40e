// The action's entry point, kept thin: main.ts owns the work and the error handling.
import { run } from './main.js';

void run();
