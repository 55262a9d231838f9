export * from "./capture.js";
export * from "./env.js";
export * from "./proc.js";
export * from "./request.js";
export * from "./run.js";
