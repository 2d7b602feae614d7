/**
 * Private Google Access through `private.googleapis.com`: the addresses Google
 * publishes for it (https://cloud.google.com/vpc/docs/configure-private-google-access,
 * "Domain options"). The stack routes `*.googleapis.com` there with a private DNS
 * zone (infra/constructs/google-apis-dns.ts), and the worker pods' egress policy
 * (functions/bootstrap/egress-policy.ts) admits only this range for Google APIs,
 * so both read the one definition.
 */

/** `private.googleapis.com`: 199.36.153.8/30. */
export const PRIVATE_GOOGLE_ACCESS_CIDR = '199.36.153.8/30';

/** The four addresses of {@link PRIVATE_GOOGLE_ACCESS_CIDR}, as the A record lists them. */
export const PRIVATE_GOOGLE_ACCESS_ADDRESSES = ['199.36.153.8', '199.36.153.9', '199.36.153.10', '199.36.153.11'] as const;
