/**
 * Waiting for Workload Identity on a fresh node. A pod scheduled onto a node that
 * just joined can start before the GKE metadata server serves its identity; the
 * first token request then fails, and a worker that gave up at once would spend
 * one of the shard's retries on a node that would have been fine seconds later.
 * The worker asks for a token until one comes or about 30 s have passed.
 */
import { GoogleAuth } from 'google-auth-library';

/** How long the worker waits for credentials before it fails (retryably). */
export const CREDENTIALS_WAIT_MILLISECONDS = 30_000;
/** The first pause between attempts; it doubles up to {@link MAX_PAUSE_MILLISECONDS}. */
export const FIRST_PAUSE_MILLISECONDS = 500;
const MAX_PAUSE_MILLISECONDS = 5_000;

/** Credentials did not become available in time. */
export class CredentialsUnavailableError extends Error {
  override readonly name = 'CredentialsUnavailableError';
}

/** What waiting needs: a token request, a clock and a sleep (injectable). */
export interface CredentialsProbe {
  token: () => Promise<unknown>;
  now?: () => number;
  sleep?: (ms: number) => Promise<void>;
  waitMilliseconds?: number;
}

/** A token request through Application Default Credentials (the pod's Workload Identity on GKE). */
export function adcToken(auth = new GoogleAuth({ scopes: ['https://www.googleapis.com/auth/cloud-platform'] })): () => Promise<unknown> {
  return async () => {
    const token = await auth.getAccessToken();
    if (!token) throw new Error('Application Default Credentials returned no access token');
    return token;
  };
}

/** Resolves once a token comes; after the wait, throws {@link CredentialsUnavailableError} with the last error as cause. Returns the attempts made. */
export async function awaitCredentials(probe: CredentialsProbe): Promise<number> {
  const now = probe.now ?? Date.now;
  const sleep = probe.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const wait = probe.waitMilliseconds ?? CREDENTIALS_WAIT_MILLISECONDS;
  const start = now();
  let pause = FIRST_PAUSE_MILLISECONDS;
  for (let attempt = 1; ; attempt++) {
    try {
      await probe.token();
      return attempt;
    } catch (error) {
      const left = wait - (now() - start);
      if (left <= 0) {
        throw new CredentialsUnavailableError(
          `no Workload Identity credentials after ${attempt} attempts over ${Math.round((now() - start) / 1000)} s: ${(error as Error).message}`,
          { cause: error },
        );
      }
      await sleep(Math.min(pause, left));
      pause = Math.min(pause * 2, MAX_PAUSE_MILLISECONDS);
    }
  }
}
