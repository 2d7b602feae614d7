/**
 * The worker image's entrypoint, independent of the working directory: a custom
 * kernel image built FROM the worker image sets its own WORKDIR, and the user's
 * command runs there, so the runtime cannot rely on `node --import tsx` resolving
 * tsx from the current directory. A bare import here resolves from this file.
 */
import 'tsx';

await import('./main.ts');
