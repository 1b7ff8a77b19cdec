/**
 * The app's Audit action in the worker: runAudit (src/audit) on the session's documents and base
 * models with the run settings the user chose, one audit at a time, stoppable. The base models
 * are cloned by the audit and never changed; nothing of the audit is stored or exported.
 */
import { runAudit } from '../audit/run-audit';
import type {
  AuditCommand,
  AuditProgressEvent,
  AuditReleasedRow,
  AuditResultEvent,
  BackendName,
  IngestCommand,
  LogLevel,
  ModelRole,
} from '../contract/protocol';
import type { Document } from '../data/types';
import { pipelineConfigFor } from './run-config';
import type { SessionModel } from './session-models';

export interface AuditHost {
  post(event: AuditProgressEvent | AuditResultEvent): void;
  log(level: LogLevel, message: string): void;
  backend(): BackendName | null;
  documents(): Document[];
  ingestOptions(): IngestCommand['options'];
  models(): Partial<Record<ModelRole, SessionModel>>;
}

export class AuditRunner {
  private stopRequested = false;
  private active = false;

  constructor(private readonly host: AuditHost) {}

  get running(): boolean {
    return this.active;
  }

  stop(): void {
    if (this.active) this.stopRequested = true;
  }

  async run(command: AuditCommand): Promise<void> {
    const { teacher, student } = this.host.models();
    if (!teacher || !student) throw new Error('load a teacher and a student model first');
    const documents = this.host.documents();
    if (documents.length < 3) throw new Error('add some documents first (at least 3)');
    this.active = true;
    this.stopRequested = false;
    const { requestId } = command;
    try {
      const config = pipelineConfigFor(command.settings, this.host.ingestOptions());
      this.host.log('info', `privacy audit (${command.mode}, ${command.method}) started`);
      const outcome = await runAudit(
        { mode: command.mode, method: command.method },
        {
          documents,
          teacher: teacher.model,
          student: student.model,
          config,
          onProgress: (p) => this.host.post({ type: 'auditProgress', requestId, ...p, time: Date.now() }),
          shouldStop: () => this.stopRequested,
          log: (m) => this.host.log('info', m),
        },
      );
      const released: AuditReleasedRow[] | undefined = outcome.released?.map((r) => ({
        model: r.model,
        bound: r.bound.epsilon,
        exposureIncluded: r.exposureIncluded,
        exposureExcluded: r.exposureExcluded,
      }));
      this.host.post({
        type: 'auditResult',
        requestId,
        completed: outcome.completed && !this.stopRequested,
        ...(outcome.completed && !this.stopRequested
          ? { report: outcome.report, analysis: outcome.analysis, released, noisyUpdate: outcome.noisyUpdate }
          : {}),
      });
    } catch (err) {
      if (!this.stopRequested) throw err;
      this.host.post({ type: 'auditResult', requestId, completed: false });
    } finally {
      this.active = false;
      this.stopRequested = false;
    }
  }
}
