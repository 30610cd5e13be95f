// The one lifecycle of `run`: each step that holds something (a server, a client, a loop) adds the way
// back as it starts, and stop() takes the steps back in reverse, the last started first, each once.
export class Lifecycle {
  private readonly stops: (() => Promise<void> | void)[] = [];

  /** The way back of the step that just started. */
  add(stop: () => Promise<void> | void): void {
    this.stops.push(stop);
  }

  async stop(): Promise<void> {
    for (let stop = this.stops.pop(); stop; stop = this.stops.pop()) await stop();
  }
}
