#!/usr/bin/env node
// The `altus` bin: registers the TypeScript loader, then runs the CLI.
import { register } from 'tsx/esm/api';

register();
await import('./cli/main.ts');
