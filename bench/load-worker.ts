/**
 * Child process side of a multi-process load run (see runUnaryLoad in load.ts). The parent sends the options, waits
 * until every worker has connected, then starts them all together.
 */
import { prepareUnaryRun, type PreparedRun, type UnaryRunOptions, type UnaryRunResult } from "./unary-load";

export type ToWorker = { type: "prepare"; options: UnaryRunOptions } | { type: "start" };
export type FromWorker =
  | { type: "ready" }
  | { type: "done"; result: UnaryRunResult }
  | { type: "failed"; message: string };

function reply(message: FromWorker, sent: () => void = () => {}): void {
  process.send?.(message, undefined, {}, sent);
}

function main(): void {
  let prepared: PreparedRun | undefined;
  process.on("message", (message: ToWorker) => {
    if (message.type === "prepare") {
      prepareUnaryRun(message.options).then(
        (run) => {
          prepared = run;
          reply({ type: "ready" });
        },
        (error: Error) => reply({ type: "failed", message: error.message }),
      );
    } else if (prepared !== undefined) {
      const run = prepared;
      run.start().then((result) => {
        run.close();
        reply({ type: "done", result }, () => process.disconnect());
      });
    }
  });
  // The parent going away (Ctrl-C, crash) must not leave a worker hammering the server.
  process.on("disconnect", () => process.exit(0));
}

main();
