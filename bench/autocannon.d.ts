// The few parts of autocannon's API the benchmarks use (it ships no types).
declare module 'autocannon' {
  interface Histogram {
    average: number;
    mean: number;
    p50: number;
    p90: number;
    p99: number;
    max: number;
    total: number;
  }
  export interface Result {
    requests: Histogram;
    latency: Histogram;
    throughput: Histogram;
    errors: number;
    timeouts: number;
    non2xx: number;
    '2xx': number;
    duration: number;
  }
  export interface Options {
    url: string;
    connections?: number;
    duration?: number;
    pipelining?: number;
    /** Runs the load in this many worker threads (the caller's event loop stays free). */
    workers?: number;
    headers?: Record<string, string>;
  }
  export interface Instance extends PromiseLike<Result> {
    stop(): void;
    /** Every response, as it completes (responseTime in ms). */
    on(event: 'response', listener: (client: unknown, statusCode: number, resBytes: number, responseTime: number) => void): this;
    /** A connection error or a request timeout (message 'request timed out'). */
    on(event: 'reqError', listener: (error: Error) => void): this;
  }
  function autocannon(opts: Options): Instance & Promise<Result>;
  export default autocannon;
}
