/** Entry of the `dashboard` Cloud Function (HTTPS, IAM-authenticated, read-only). */
import * as functions from '@google-cloud/functions-framework';
import { createDashboard } from './app.ts';
import { createDashboardDependencies } from './runtime.ts';

functions.http('dashboard', createDashboard(createDashboardDependencies()));
