/** The config `postern init` writes: valid as written, with no variable to set (docs/operations.md). */
export function starterConfig(opts: { stateDir: string }): string {
  const q = JSON.stringify;
  return `# Postern config, written by \`postern init\`. Every key: docs/configuration.md in the package.
# Check it with \`postern config check\`; apply edits to a running daemon with \`postern reload\`.

service:
  name: postern
  state_dir: ${q(opts.stateDir)}   # database and lock file
  tick_interval: 60s
  log_level: info

# Where your plugins live (relative to this file). Plugins are also found by name among the
# bundled ones (echo, feed, url-watch, github, notify); a plugin of yours with the same name wins.
# Create one with: postern new plugin NAME --lang js|py|sh --dir <this directory>/plugins
plugins_dir: ./plugins

plugins:
  # A schedule: the bundled \`echo\` polls every 5 minutes (give or take 30 s) and emits an
  # \`echo\` event, routed below.
  echo:
    schedule:
      every: 5m
      jitter: 30s
    config:
      greeting: hello from postern

  # The bundled \`notify\` appends each event it is handed to a file. It can also post to ntfy,
  # Slack, Discord or any JSON endpoint: see its README in the package's plugins/notify/.
  notify:
    config:
      file: ${q(`${opts.stateDir}/notifications.log`)}
      format: text
      title: "{{type}}"

routes:
  - { from: echo, event_type: echo, to: notify }

webhooks:
  listen: 127.0.0.1:8081   # also serves the dashboard, /healthz and /metrics (loopback only)
  # A signed webhook endpoint: set the secret and uncomment (docs/webhooks.md).
  # endpoints:
  #   - path: /hook/github
  #     plugin: github
  #     secret: \${GITHUB_WEBHOOK_SECRET}
  #     signature_header: X-Hub-Signature-256
  #     event_type: github.webhook
  #     dedupe_header: X-GitHub-Delivery
  # and route what github emits:
  #   - { from: github, event_type: github.push, to: notify }
`;
}
