/**
 * The dashboard behind an external HTTPS load balancer with Identity-Aware Proxy,
 * for teams with a domain for it (`infra.dashboardDomain`): a Google-managed
 * certificate for the domain, TLS 1.2+ only, IAP with Google's own OAuth client,
 * the function reachable only through the load balancer (ingress
 * internal-and-load-balancer), IAP's service agent its only invoker, and the
 * configured viewers granted access through IAP instead of on the function.
 */
import { Construct } from 'constructs';
import type { TerraformProvider } from 'cdktf';
import { GoogleProjectServiceIdentity } from '@cdktf/provider-google-beta/lib/google-project-service-identity/index.js';
import { CloudRunV2ServiceIamMember } from '@cdktf/provider-google/lib/cloud-run-v2-service-iam-member/index.js';
import type { Cloudfunctions2Function } from '@cdktf/provider-google/lib/cloudfunctions2-function/index.js';
import { ComputeBackendService } from '@cdktf/provider-google/lib/compute-backend-service/index.js';
import { ComputeGlobalAddress } from '@cdktf/provider-google/lib/compute-global-address/index.js';
import { ComputeGlobalForwardingRule } from '@cdktf/provider-google/lib/compute-global-forwarding-rule/index.js';
import { ComputeManagedSslCertificate } from '@cdktf/provider-google/lib/compute-managed-ssl-certificate/index.js';
import { ComputeRegionNetworkEndpointGroup } from '@cdktf/provider-google/lib/compute-region-network-endpoint-group/index.js';
import { ComputeSslPolicy } from '@cdktf/provider-google/lib/compute-ssl-policy/index.js';
import { ComputeTargetHttpsProxy } from '@cdktf/provider-google/lib/compute-target-https-proxy/index.js';
import { ComputeUrlMap } from '@cdktf/provider-google/lib/compute-url-map/index.js';
import { IapWebBackendServiceIamMember } from '@cdktf/provider-google/lib/iap-web-backend-service-iam-member/index.js';
import { Sleep } from '@cdktf/provider-time/lib/sleep/index.js';
import { SERVICE_AGENT_WAIT } from './identity.ts';

/** Props of {@link DashboardIap}. */
export interface DashboardIapProps {
  readonly project: string;
  readonly region: string;
  /** The DNS name the team points at the load balancer's address. */
  readonly domain: string;
  readonly dashboard: Cloudfunctions2Function;
  /** Members (`group:…`, `user:…`) allowed through IAP. */
  readonly viewers: readonly string[];
  readonly betaProvider: TerraformProvider;
}

/** The load balancer, IAP and their grants. */
export class DashboardIap extends Construct {
  /** The address to point the domain's A record at. */
  readonly address: ComputeGlobalAddress;
  readonly backend: ComputeBackendService;

  constructor(scope: Construct, id: string, props: DashboardIapProps) {
    super(scope, id);
    const { project } = props;
    const neg = new ComputeRegionNetworkEndpointGroup(this, 'neg', {
      project,
      name: 'altus-dashboard',
      region: props.region,
      networkEndpointType: 'SERVERLESS',
      // A gen2 function is served by the Cloud Run service of the same name.
      cloudRun: { service: props.dashboard.name },
    });
    this.backend = new ComputeBackendService(this, 'backend', {
      project,
      name: 'altus-dashboard',
      protocol: 'HTTPS',
      loadBalancingScheme: 'EXTERNAL_MANAGED',
      backend: [{ group: neg.id }],
      iap: { enabled: true },
      logConfig: { enable: true, sampleRate: 1 },
    });
    const urlMap = new ComputeUrlMap(this, 'url-map', { project, name: 'altus-dashboard', defaultService: this.backend.id });
    const certificate = new ComputeManagedSslCertificate(this, 'certificate', { project, name: 'altus-dashboard', managed: { domains: [props.domain] } });
    const tls = new ComputeSslPolicy(this, 'tls', { project, name: 'altus-dashboard', profile: 'MODERN', minTlsVersion: 'TLS_1_2' });
    const proxy = new ComputeTargetHttpsProxy(this, 'proxy', {
      project,
      name: 'altus-dashboard',
      urlMap: urlMap.id,
      sslCertificates: [certificate.id],
      sslPolicy: tls.id,
    });
    this.address = new ComputeGlobalAddress(this, 'address', { project, name: 'altus-dashboard' });
    new ComputeGlobalForwardingRule(this, 'https', {
      project,
      name: 'altus-dashboard',
      target: proxy.id,
      portRange: '443',
      ipAddress: this.address.address,
      loadBalancingScheme: 'EXTERNAL_MANAGED',
    });

    // IAP invokes the function as its service agent, which a new project has only once it is created.
    const agent = new GoogleProjectServiceIdentity(this, 'iap-agent', { provider: props.betaProvider, project, service: 'iap.googleapis.com' });
    const agentReady = new Sleep(this, 'iap-agent-ready', { createDuration: SERVICE_AGENT_WAIT, dependsOn: [agent] });
    new CloudRunV2ServiceIamMember(this, 'iap-invoker', {
      project,
      location: props.region,
      name: props.dashboard.name,
      role: 'roles/run.invoker',
      member: `serviceAccount:${agent.email}`,
      dependsOn: [agentReady],
    });
    for (const member of props.viewers) {
      new IapWebBackendServiceIamMember(this, `viewer-${member.replace(/[^a-zA-Z0-9]+/g, '-')}`, {
        project,
        webBackendService: this.backend.name,
        role: 'roles/iap.httpsResourceAccessor',
        member,
      });
    }
  }
}
