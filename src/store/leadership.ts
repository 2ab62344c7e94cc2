/**
 * A PostgreSQL session: its backend pid, and when it started (microseconds since 1970), since once it has
 * ended the server may give the same pid to a later session.
 */
export interface LeaderSession {
  pid: number;
  started: string;
}

/**
 * Jobs that must run once across replicas (the timer, the fan-out planners)
 * run where `isLeader` is true. The embedded engine has one process: always
 * the leader. On PostgreSQL one replica holds an advisory lock (src/store/pg/leadership.ts).
 */
export interface Leadership {
  readonly isLeader: boolean;
  /**
   * The database session that holds the lead while this replica leads, for writes only the leader may make
   * to check that it still does; null on the embedded engine.
   */
  readonly session: LeaderSession | null;
  /** Called when this replica gains or loses the lead. */
  onChange(listener: (isLeader: boolean) => void): () => void;
  /**
   * Called when this replica's leadership connection is cut or cannot be made: PostgreSQL may be away or just
   * restarted, and the other replicas reconnecting too. Never on the embedded engine.
   */
  onConnectionLost(listener: () => void): () => void;
  close(): Promise<void>;
}

export const soleLeader = (): Leadership => ({
  isLeader: true,
  session: null,
  onChange: () => () => {},
  onConnectionLost: () => () => {},
  close: async () => {},
});
