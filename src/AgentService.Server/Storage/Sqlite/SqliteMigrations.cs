namespace AgentService.Server.Storage.Sqlite;

/// <summary>The versioned schema. Each migration runs once, in order, in its own transaction at start;
/// applied versions are recorded in <c>schema_migrations</c>. Never edit a released migration: add one.</summary>
internal static class SqliteMigrations
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        (1, "agent protocol tasks, steps and artifacts", """
            CREATE TABLE tasks (
                task_id          TEXT PRIMARY KEY,
                agent_id         TEXT NOT NULL,
                seq              INTEGER NOT NULL,
                input            TEXT NULL,
                additional_input TEXT NULL,
                created_at       INTEGER NOT NULL,
                step_count       INTEGER NOT NULL DEFAULT 0,
                artifact_count   INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX tasks_agent_seq ON tasks (agent_id, seq);

            CREATE TABLE steps (
                step_id           TEXT PRIMARY KEY,
                task_id           TEXT NOT NULL REFERENCES tasks (task_id),
                seq               INTEGER NOT NULL,
                input             TEXT NULL,
                additional_input  TEXT NULL,
                name              TEXT NULL,
                status            TEXT NOT NULL,
                output            TEXT NULL,
                additional_output TEXT NULL,
                is_last           INTEGER NOT NULL DEFAULT 0,
                created_at        INTEGER NOT NULL,
                updated_at        INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX steps_task_seq ON steps (task_id, seq);
            CREATE INDEX steps_unfinished ON steps (created_at) WHERE status <> 'completed';

            CREATE TABLE artifacts (
                artifact_id   TEXT PRIMARY KEY,
                task_id       TEXT NOT NULL REFERENCES tasks (task_id),
                step_id       TEXT NULL,
                seq           INTEGER NOT NULL,
                file_name     TEXT NOT NULL,
                relative_path TEXT NULL,
                agent_created INTEGER NOT NULL,
                blob_hash     TEXT NOT NULL,
                size          INTEGER NOT NULL,
                created_at    INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX artifacts_task_seq ON artifacts (task_id, seq);
            CREATE INDEX artifacts_step ON artifacts (step_id, seq) WHERE step_id IS NOT NULL;
            """),
        (2, "gateway registry, messages and outbox", """
            CREATE TABLE gateway_agents (
                agent_id       TEXT PRIMARY KEY,
                agent_name     TEXT NOT NULL,
                agent_type     TEXT NOT NULL,
                capabilities   TEXT NOT NULL,
                description    TEXT NOT NULL,
                webhook_url    TEXT NULL,
                metadata       TEXT NOT NULL,
                webhook_secret TEXT NOT NULL,
                hosted         INTEGER NOT NULL DEFAULT 0,
                status         TEXT NOT NULL,
                last_heartbeat INTEGER NOT NULL,
                registered_at  INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE INDEX gateway_agents_heartbeat ON gateway_agents (last_heartbeat) WHERE status = 'online' AND hosted = 0;

            CREATE TABLE gateway_messages (
                message_id      TEXT PRIMARY KEY,
                conversation_id TEXT NOT NULL,
                conv_seq        INTEGER NOT NULL,
                from_agent_id   TEXT NOT NULL,
                to_agent_id     TEXT NOT NULL,
                content         TEXT NOT NULL,
                metadata        TEXT NOT NULL,
                delivery        TEXT NOT NULL,
                status          TEXT NOT NULL,
                attempts        INTEGER NOT NULL DEFAULT 0,
                last_error      TEXT NULL,
                created_at      INTEGER NOT NULL,
                delivered_at    INTEGER NULL,
                expires_at      INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX gateway_messages_conversation ON gateway_messages (conversation_id, conv_seq);

            CREATE TABLE gateway_outbox (
                message_id  TEXT PRIMARY KEY REFERENCES gateway_messages (message_id),
                to_agent_id TEXT NOT NULL,
                due_at      INTEGER NOT NULL,
                leased      INTEGER NOT NULL DEFAULT 0
            ) WITHOUT ROWID;
            CREATE INDEX gateway_outbox_due ON gateway_outbox (due_at);
            CREATE INDEX gateway_outbox_agent ON gateway_outbox (to_agent_id);
            """),
        (3, "runs, attempts, run tokens, input deliveries, the event log and session KV", """
            CREATE TABLE runs (
                run_id         TEXT PRIMARY KEY,
                agent_id       TEXT NOT NULL,
                session_id     TEXT NOT NULL,
                parent_run_id  TEXT NULL,
                root_run_id    TEXT NOT NULL,
                status         TEXT NOT NULL,
                waiting_for    TEXT NULL,
                attempt_count  INTEGER NOT NULL DEFAULT 0,
                next_sequence  INTEGER NOT NULL DEFAULT 0,
                event_count    INTEGER NOT NULL DEFAULT 0,
                created_at     INTEGER NOT NULL,
                updated_at     INTEGER NOT NULL,
                finished_at    INTEGER NULL
            ) WITHOUT ROWID;
            CREATE INDEX runs_agent_status ON runs (agent_id, status);

            CREATE TABLE attempts (
                attempt_id        TEXT PRIMARY KEY,
                run_id            TEXT NOT NULL REFERENCES runs (run_id),
                number            INTEGER NOT NULL,
                status            TEXT NOT NULL,
                instance_id       TEXT NULL,
                connection_id     TEXT NULL,
                connection_epoch  INTEGER NULL,
                capabilities      TEXT NULL,
                lease_expires_at  INTEGER NULL,
                output_seq        INTEGER NOT NULL DEFAULT 0,
                exit_reason       TEXT NULL,
                created_at        INTEGER NOT NULL,
                updated_at        INTEGER NOT NULL
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX attempts_run_number ON attempts (run_id, number);

            CREATE TABLE run_tokens (
                token_hash TEXT PRIMARY KEY,
                run_id     TEXT NOT NULL REFERENCES runs (run_id),
                created_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE deliveries (
                delivery_id    TEXT PRIMARY KEY,
                run_id         TEXT NOT NULL REFERENCES runs (run_id),
                sequence       INTEGER NOT NULL,
                kind           TEXT NOT NULL,
                payload        TEXT NOT NULL,
                status         TEXT NOT NULL,
                delivery_count INTEGER NOT NULL DEFAULT 0,
                traceparent    TEXT NOT NULL,
                created_at     INTEGER NOT NULL,
                acked_at       INTEGER NULL
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX deliveries_run_sequence ON deliveries (run_id, sequence);
            CREATE INDEX deliveries_pending ON deliveries (run_id, sequence) WHERE status = 'pending';

            CREATE TABLE events (
                run_id     TEXT NOT NULL REFERENCES runs (run_id),
                position   INTEGER NOT NULL,
                event_id   TEXT NOT NULL,
                attempt_id TEXT NULL,
                seq        INTEGER NOT NULL,
                type       TEXT NOT NULL,
                time       TEXT NOT NULL,
                body       TEXT NOT NULL,
                PRIMARY KEY (run_id, position)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX events_run_event ON events (run_id, event_id);

            CREATE TABLE session_kv (
                session_id TEXT NOT NULL,
                key        TEXT NOT NULL,
                value      TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (session_id, key)
            ) WITHOUT ROWID;
            """),
        (4, "agent secrets, encrypted", """
            CREATE TABLE agent_secrets (
                agent_id   TEXT NOT NULL,
                name       TEXT NOT NULL,
                value      TEXT NOT NULL,
                updated_at INTEGER NOT NULL,
                PRIMARY KEY (agent_id, name)
            ) WITHOUT ROWID;
            """),
        (5, "claims find unclaimed runs through an index", """
            CREATE INDEX runs_agent_claim ON runs (agent_id, attempt_count, created_at);
            """),
        (6, "api keys, agent config, append-only audit log", """
            CREATE TABLE api_keys (
                key_id     TEXT PRIMARY KEY,
                hash       TEXT NOT NULL,
                name       TEXT NULL,
                role       TEXT NOT NULL,
                agents     TEXT NOT NULL,
                created_at INTEGER NOT NULL,
                expires_at INTEGER NULL,
                revoked_at INTEGER NULL
            ) WITHOUT ROWID;

            CREATE TABLE agent_config (
                agent_id   TEXT PRIMARY KEY,
                config     TEXT NOT NULL,
                version    INTEGER NOT NULL,
                updated_at INTEGER NOT NULL
            ) WITHOUT ROWID;

            CREATE TABLE audit_log (
                seq         INTEGER PRIMARY KEY,
                time        INTEGER NOT NULL,
                actor       TEXT NOT NULL,
                action      TEXT NOT NULL,
                target      TEXT NULL,
                outcome     TEXT NOT NULL,
                status      INTEGER NULL,
                trace_id    TEXT NULL,
                remote_addr TEXT NULL,
                detail      TEXT NULL
            );
            CREATE INDEX audit_log_time ON audit_log (time);
            CREATE INDEX audit_log_actor ON audit_log (actor, seq);
            CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
            """),
        (7, "run event model: tool calls, interactions, checkpoints and todo lists projected from the log", """
            CREATE TABLE tool_calls (
                run_id            TEXT NOT NULL REFERENCES runs (run_id),
                tool_call_id      TEXT NOT NULL,
                position          INTEGER NOT NULL,
                tool_name         TEXT NULL,
                status            TEXT NOT NULL,
                executor          TEXT NULL,
                arguments         TEXT NULL,
                arguments_text    TEXT NULL,
                requires_approval INTEGER NOT NULL DEFAULT 0,
                interaction_id    TEXT NULL,
                idempotency_key   TEXT NULL,
                provider_ref      TEXT NULL,
                step_id           TEXT NULL,
                execution_attempt INTEGER NOT NULL DEFAULT 0,
                progress          TEXT NULL,
                result            TEXT NULL,
                is_error          INTEGER NOT NULL DEFAULT 0,
                error             TEXT NULL,
                failure_reason    TEXT NULL,
                duration_ms       INTEGER NULL,
                requested_at      TEXT NULL,
                started_at        TEXT NULL,
                finished_at       TEXT NULL,
                PRIMARY KEY (run_id, tool_call_id)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX tool_calls_run_position ON tool_calls (run_id, position);

            CREATE TABLE interactions (
                run_id         TEXT NOT NULL REFERENCES runs (run_id),
                interaction_id TEXT NOT NULL,
                position       INTEGER NOT NULL,
                kind           TEXT NOT NULL,
                blocking       INTEGER NOT NULL,
                request        TEXT NOT NULL,
                status         TEXT NOT NULL,
                outcome        TEXT NULL,
                response       TEXT NULL,
                reason         TEXT NULL,
                resolved_by    TEXT NULL,
                delivery_id    TEXT NULL,
                expires_at     INTEGER NULL,
                on_expiry      TEXT NOT NULL,
                requested_at   TEXT NOT NULL,
                resolved_at    TEXT NULL,
                PRIMARY KEY (run_id, interaction_id)
            ) WITHOUT ROWID;
            CREATE UNIQUE INDEX interactions_run_position ON interactions (run_id, position);
            CREATE INDEX interactions_expiry ON interactions (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;

            CREATE TABLE checkpoints (
                run_id        TEXT NOT NULL REFERENCES runs (run_id),
                position      INTEGER NOT NULL,
                checkpoint_id TEXT NOT NULL,
                input_cursor  INTEGER NOT NULL,
                body          TEXT NOT NULL,
                PRIMARY KEY (run_id, position)
            ) WITHOUT ROWID;

            CREATE TABLE todo_lists (
                run_id   TEXT NOT NULL REFERENCES runs (run_id),
                list_id  TEXT NOT NULL,
                revision INTEGER NOT NULL,
                position INTEGER NOT NULL,
                body     TEXT NOT NULL,
                PRIMARY KEY (run_id, list_id)
            ) WITHOUT ROWID;
            """),
        (8, "sub-runs: how a child run is hosted and awaited, its spawn links, and the trace context of every run", """
            ALTER TABLE runs ADD COLUMN hosting TEXT NULL;
            ALTER TABLE runs ADD COLUMN host_attempt_id TEXT NULL;
            ALTER TABLE runs ADD COLUMN relation TEXT NULL;
            ALTER TABLE runs ADD COLUMN awaited INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE runs ADD COLUMN parent_tool_call_id TEXT NULL;
            ALTER TABLE runs ADD COLUMN traceparent TEXT NULL;
            CREATE INDEX runs_parent ON runs (parent_run_id, created_at, run_id) WHERE parent_run_id IS NOT NULL;
            CREATE INDEX runs_host_attempt ON runs (host_attempt_id) WHERE host_attempt_id IS NOT NULL;
            """),
        (9, "the deltas of a run by type, for their compaction", """
            CREATE INDEX events_run_type ON events (run_id, type);
            """),
        (10, "gateway messages keep the trace context of their send", """
            ALTER TABLE gateway_messages ADD COLUMN traceparent TEXT NULL;
            """),
        (11, "only the events that are looked up by type (deltas and completed messages) are indexed by type", """
            DROP INDEX events_run_type;
            CREATE INDEX events_run_compaction ON events (run_id, type) WHERE type IN ('message.delta', 'reasoning.delta', 'tool.call.arguments.delta', 'tool.call.progress', 'message.completed');
            """),
        (12, "an agent's runs newest first, all or of one status, in pages whose cost does not grow with the runs stored", """
            DROP INDEX runs_agent_status;
            CREATE INDEX runs_agent_status_created ON runs (agent_id, status, created_at, run_id);
            CREATE INDEX runs_agent_created ON runs (agent_id, created_at, run_id);
            """),
        (13, "a sub-run's dependencies: the runs that must finish before it starts, looked up from either side", """
            CREATE TABLE run_dependencies (
                run_id            TEXT NOT NULL REFERENCES runs (run_id),
                depends_on_run_id TEXT NOT NULL REFERENCES runs (run_id),
                condition         TEXT NOT NULL,
                position          INTEGER NOT NULL,
                PRIMARY KEY (run_id, depends_on_run_id)
            ) WITHOUT ROWID;
            CREATE INDEX run_dependencies_dependency ON run_dependencies (depends_on_run_id);
            """),
    ];
}
