/**
 * Data Access audit logs for the services that hold run data: who read or wrote
 * which object in the buckets, which document in Firestore. Admin Activity logs
 * are always on; these are off by default in Google Cloud.
 */
import { Construct } from 'constructs';
import { ProjectIamAuditConfig } from '@cdktf/provider-google/lib/project-iam-audit-config/index.js';

/** Services whose data reads and writes are logged. */
export const AUDITED_SERVICES = ['storage.googleapis.com', 'datastore.googleapis.com'] as const;

/** Props of {@link AuditLogs}. */
export interface AuditLogsProps {
  readonly project: string;
}

/** The audit configuration. */
export class AuditLogs extends Construct {
  constructor(scope: Construct, id: string, props: AuditLogsProps) {
    super(scope, id);
    for (const service of AUDITED_SERVICES) {
      new ProjectIamAuditConfig(this, service.split('.')[0]!, {
        project: props.project,
        service,
        auditLogConfig: [{ logType: 'DATA_READ' }, { logType: 'DATA_WRITE' }],
      });
    }
  }
}
