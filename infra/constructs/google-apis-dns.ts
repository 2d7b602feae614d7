/**
 * Google APIs over Private Google Access only: a private DNS zone on the VPC
 * answers `*.googleapis.com` with `private.googleapis.com`, and a route sends
 * its range to Google directly, so pods, nodes and the connector reach Google
 * APIs without the internet; the worker pods' egress policy admits that range
 * and nothing else outside the cluster.
 */
import { Construct } from 'constructs';
import { ComputeRoute } from '@cdktf/provider-google/lib/compute-route/index.js';
import type { ComputeNetwork } from '@cdktf/provider-google/lib/compute-network/index.js';
import { DnsManagedZone } from '@cdktf/provider-google/lib/dns-managed-zone/index.js';
import { DnsRecordSet } from '@cdktf/provider-google/lib/dns-record-set/index.js';
import { PRIVATE_GOOGLE_ACCESS_ADDRESSES, PRIVATE_GOOGLE_ACCESS_CIDR } from '../../shared/private-google-access.ts';

/** Props of {@link GoogleApisDns}. */
export interface GoogleApisDnsProps {
  readonly project: string;
  readonly vpc: ComputeNetwork;
}

/** The private zone, its records and the route. */
export class GoogleApisDns extends Construct {
  readonly zone: DnsManagedZone;

  constructor(scope: Construct, id: string, props: GoogleApisDnsProps) {
    super(scope, id);
    const { project } = props;
    this.zone = new DnsManagedZone(this, 'zone', {
      project,
      name: 'altus-googleapis',
      dnsName: 'googleapis.com.',
      description: 'Google APIs through private.googleapis.com (Private Google Access)',
      visibility: 'private',
      privateVisibilityConfig: { networks: [{ networkUrl: props.vpc.id }] },
    });
    new DnsRecordSet(this, 'private', {
      project,
      managedZone: this.zone.name,
      name: 'private.googleapis.com.',
      type: 'A',
      ttl: 300,
      rrdatas: [...PRIVATE_GOOGLE_ACCESS_ADDRESSES],
    });
    new DnsRecordSet(this, 'wildcard', {
      project,
      managedZone: this.zone.name,
      name: '*.googleapis.com.',
      type: 'CNAME',
      ttl: 300,
      rrdatas: ['private.googleapis.com.'],
    });
    // Explicit, so the range stays reachable whatever happens to the default route.
    new ComputeRoute(this, 'route', {
      project,
      name: 'altus-private-googleapis',
      network: props.vpc.name,
      destRange: PRIVATE_GOOGLE_ACCESS_CIDR,
      nextHopGateway: 'default-internet-gateway',
      priority: 1000,
    });
  }
}
