#!/usr/bin/env node
// The smallest useful plugin: read one request, answer with one response.
// poll: emits an `echo` event with a counter kept in state.
// handle: emits an `echo` event carrying the received event.
let input = "";
process.stdin.setEncoding("utf8");
process.stdin.on("data", (chunk) => {
  input += chunk;
});
process.stdin.on("end", () => {
  const request = JSON.parse(input);
  const count = (request.state.count ?? 0) + 1;
  const greeting = request.config.greeting ?? "hello";
  const payload =
    request.command === "handle"
      ? { greeting, received: request.event }
      : { greeting, command: request.command, count };
  const response = {
    protocol: 1,
    status: "ok",
    events: request.command === "poll" || request.command === "handle" ? [{ type: "echo", payload }] : [],
    state_updates: request.command === "poll" ? { count } : {},
    logs: [{ level: "info", message: `${request.command} #${count}` }],
  };
  process.stdout.write(`${JSON.stringify(response)}\n`);
});
