// The relay's report on its own OutboxRelay: status.databases, one entry per database this pod leads. The
// operator derives its summary fields and the Publishing condition from it; its CRD schema mirrors these
// types (status.databases is a list-map keyed by name, heldTopics one keyed by topic).

export type HeldReason = 'TopicMissing' | 'TopicUnauthorized';
export type KafkaState = 'Available' | 'Unavailable' | 'Unauthorized';
export type DatabaseState = 'Available' | 'Unavailable';

export interface HeldTopicReport {
  topic: string;
  reason: HeldReason;
  /** When this relay first held it (RFC 3339, whole seconds). */
  since: string;
}

export interface ReachabilityReport<S extends string> {
  state: S;
  /** What went wrong, or what is fine; never a secret. Always set, see build-report.ts. */
  message: string;
}

export interface DatabaseReport {
  /** The database (a DB_NAME entry). */
  name: string;
  /** Rows not yet published and not errored. */
  pending: number;
  /** Rows marked errored. */
  errored: number;
  /** The oldest pending row's time (a time, not an age: an unchanged backlog is an unchanged report). */
  oldestPendingTime?: string;
  /** The last batch Kafka acknowledged from this pod; absent until the first. */
  lastPublishedTime?: string;
  heldTopics: HeldTopicReport[];
  kafka: ReachabilityReport<KafkaState>;
  database: ReachabilityReport<DatabaseState>;
  /** The pod that wrote the entry. */
  reportedBy: string;
  /** Shared mode: this pod's element of the list of publishers (each pod writes its own). */
  publishers?: PublisherReport[];
}

/** A pod publishing a database in shared mode, and the shares it holds. */
export interface PublisherReport {
  pod: string;
  shareCount: number;
  /** As ranges: 0-21,40. */
  shares: string;
}

/** The server-side apply body of the status subresource. */
export interface StatusApplyBody {
  apiVersion: string;
  kind: 'OutboxRelay';
  metadata: { name: string; namespace: string };
  status: { databases: DatabaseReport[] };
}
