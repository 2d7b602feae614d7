/** Entry of the `bootstrap` Cloud Function (HTTPS, IAM; `npm run deploy` calls it to bootstrap the clusters from inside the VPC). */
import * as functions from '@google-cloud/functions-framework';
import { createBootstrapHandler } from './handler.ts';
import { createBootstrapDependencies } from './runtime.ts';

functions.http('bootstrap', createBootstrapHandler(createBootstrapDependencies()));
