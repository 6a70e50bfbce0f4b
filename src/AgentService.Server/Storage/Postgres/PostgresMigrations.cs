namespace AgentService.Server.Storage.Postgres;

/// <summary>The versioned PostgreSQL schema, the counterpart of <see cref="Sqlite.SqliteMigrations"/>. Each migration runs
/// once, in order, in its own transaction, under an advisory lock so that nodes starting together migrate once.
/// Never edit a released migration: add one.</summary>
internal static class PostgresMigrations
{
    public static IReadOnlyList<(int Version, string Name, string Sql)> All { get; } =
    [
        (1, "agent protocol tasks, steps, artifacts and blobs", """
            CREATE TABLE agent_task_counters (
                agent_id   text PRIMARY KEY,
                task_count bigint NOT NULL
            );

            CREATE TABLE tasks (
                task_id          text PRIMARY KEY,
                agent_id         text NOT NULL,
                seq              bigint NOT NULL,
                input            text NULL,
                additional_input text NULL,
                created_at       bigint NOT NULL,
                step_count       bigint NOT NULL DEFAULT 0,
                artifact_count   bigint NOT NULL DEFAULT 0,
                CONSTRAINT tasks_agent_seq UNIQUE (agent_id, seq)
            );

            CREATE TABLE steps (
                step_id           text PRIMARY KEY,
                task_id           text NOT NULL REFERENCES tasks (task_id),
                seq               bigint NOT NULL,
                input             text NULL,
                additional_input  text NULL,
                name              text NULL,
                status            text NOT NULL,
                output            text NULL,
                additional_output text NULL,
                is_last           boolean NOT NULL DEFAULT false,
                created_at        bigint NOT NULL,
                updated_at        bigint NOT NULL,
                CONSTRAINT steps_task_seq UNIQUE (task_id, seq)
            );
            CREATE INDEX steps_unfinished ON steps (created_at) WHERE status <> 'completed';

            CREATE TABLE artifacts (
                artifact_id   text PRIMARY KEY,
                task_id       text NOT NULL REFERENCES tasks (task_id),
                step_id       text NULL,
                seq           bigint NOT NULL,
                file_name     text NOT NULL,
                relative_path text NULL,
                agent_created boolean NOT NULL,
                blob_hash     text NOT NULL,
                size          bigint NOT NULL,
                created_at    bigint NOT NULL,
                CONSTRAINT artifacts_task_seq UNIQUE (task_id, seq)
            );
            CREATE INDEX artifacts_step ON artifacts (step_id, seq) WHERE step_id IS NOT NULL;

            CREATE TABLE blobs (
                hash       text PRIMARY KEY,
                size       bigint NOT NULL,
                upload_id  uuid NOT NULL,
                chunk_size integer NOT NULL
            );

            CREATE TABLE blob_chunks (
                upload_id uuid NOT NULL,
                n         integer NOT NULL,
                data      bytea NOT NULL,
                PRIMARY KEY (upload_id, n)
            );
            """),
        (2, "gateway registry, conversations, messages, outbox with lease owners, and agent secrets", """
            CREATE TABLE gateway_agents (
                agent_id       text PRIMARY KEY,
                agent_name     text NOT NULL,
                agent_type     text NOT NULL,
                capabilities   text NOT NULL,
                description    text NOT NULL,
                webhook_url    text NULL,
                metadata       text NOT NULL,
                webhook_secret text NOT NULL,
                hosted         boolean NOT NULL DEFAULT false,
                status         text NOT NULL,
                last_heartbeat bigint NOT NULL,
                registered_at  bigint NOT NULL
            );
            CREATE INDEX gateway_agents_heartbeat ON gateway_agents (last_heartbeat) WHERE status = 'online' AND NOT hosted;

            CREATE TABLE gateway_conversations (
                conversation_id text PRIMARY KEY,
                message_count   bigint NOT NULL
            );

            CREATE TABLE gateway_messages (
                message_id      text PRIMARY KEY,
                conversation_id text NOT NULL,
                conv_seq        bigint NOT NULL,
                from_agent_id   text NOT NULL,
                to_agent_id     text NOT NULL,
                content         text NOT NULL,
                metadata        text NOT NULL,
                delivery        text NOT NULL,
                status          text NOT NULL,
                attempts        integer NOT NULL DEFAULT 0,
                last_error      text NULL,
                created_at      bigint NOT NULL,
                delivered_at    bigint NULL,
                expires_at      bigint NOT NULL,
                CONSTRAINT gateway_messages_conversation UNIQUE (conversation_id, conv_seq)
            );

            CREATE TABLE gateway_outbox (
                message_id  text PRIMARY KEY REFERENCES gateway_messages (message_id),
                to_agent_id text NOT NULL,
                due_at      bigint NOT NULL,
                leased      boolean NOT NULL DEFAULT false,
                lease_owner text NULL
            );
            CREATE INDEX gateway_outbox_due ON gateway_outbox (due_at);
            CREATE INDEX gateway_outbox_agent ON gateway_outbox (to_agent_id);

            CREATE TABLE agent_secrets (
                agent_id   text NOT NULL,
                name       text NOT NULL,
                value      text NOT NULL,
                updated_at bigint NOT NULL,
                PRIMARY KEY (agent_id, name)
            );
            """),
        (4, "api keys, agent config, append-only audit log", """
            CREATE TABLE api_keys (
                key_id     text PRIMARY KEY,
                hash       text NOT NULL,
                name       text NULL,
                role       text NOT NULL,
                agents     text NOT NULL,
                created_at bigint NOT NULL,
                expires_at bigint NULL,
                revoked_at bigint NULL
            );

            CREATE TABLE agent_config (
                agent_id   text PRIMARY KEY,
                config     text NOT NULL,
                version    bigint NOT NULL,
                updated_at bigint NOT NULL
            );

            CREATE TABLE audit_log (
                seq         bigserial PRIMARY KEY,
                time        bigint NOT NULL,
                actor       text NOT NULL,
                action      text NOT NULL,
                target      text NULL,
                outcome     text NOT NULL,
                status      integer NULL,
                trace_id    text NULL,
                remote_addr text NULL,
                detail      text NULL
            );
            CREATE INDEX audit_log_time ON audit_log (time);
            CREATE INDEX audit_log_actor ON audit_log (actor, seq);
            CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION 'the audit log is append-only';
            END $$;
            CREATE TRIGGER audit_log_no_change BEFORE UPDATE OR DELETE ON audit_log FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log FOR EACH STATEMENT EXECUTE FUNCTION audit_log_append_only();
            """),
        (5, "gateway messages keep the trace context of their send", """
            ALTER TABLE gateway_messages ADD COLUMN traceparent text NULL;
            """),
        (6, "runs, attempts, run tokens, input deliveries, the event log, session KV and the run event model", """
            CREATE TABLE runs (
                run_id              text PRIMARY KEY,
                agent_id            text NOT NULL,
                session_id          text NOT NULL,
                parent_run_id       text NULL,
                root_run_id         text NOT NULL,
                status              text NOT NULL,
                waiting_for         text NULL,
                attempt_count       bigint NOT NULL DEFAULT 0,
                next_sequence       bigint NOT NULL DEFAULT 0,
                event_count         bigint NOT NULL DEFAULT 0,
                created_at          bigint NOT NULL,
                updated_at          bigint NOT NULL,
                finished_at         bigint NULL,
                hosting             text NULL,
                host_attempt_id     text NULL,
                relation            text NULL,
                awaited             boolean NOT NULL DEFAULT false,
                parent_tool_call_id text NULL,
                traceparent         text NULL
            );
            CREATE INDEX runs_agent_status ON runs (agent_id, status);
            CREATE INDEX runs_agent_claim ON runs (agent_id, attempt_count, created_at);
            CREATE INDEX runs_parent ON runs (parent_run_id, created_at, run_id) WHERE parent_run_id IS NOT NULL;
            CREATE INDEX runs_host_attempt ON runs (host_attempt_id) WHERE host_attempt_id IS NOT NULL;

            CREATE TABLE attempts (
                attempt_id        text PRIMARY KEY,
                run_id            text NOT NULL REFERENCES runs (run_id),
                number            bigint NOT NULL,
                status            text NOT NULL,
                instance_id       text NULL,
                connection_id     text NULL,
                connection_epoch  bigint NULL,
                capabilities      text NULL,
                lease_expires_at  bigint NULL,
                output_seq        bigint NOT NULL DEFAULT 0,
                exit_reason       text NULL,
                created_at        bigint NOT NULL,
                updated_at        bigint NOT NULL,
                CONSTRAINT attempts_run_number UNIQUE (run_id, number)
            );
            CREATE INDEX attempts_active_lease ON attempts (lease_expires_at) WHERE status = 'active';

            CREATE TABLE run_tokens (
                token_hash text PRIMARY KEY,
                run_id     text NOT NULL REFERENCES runs (run_id),
                created_at bigint NOT NULL
            );

            CREATE TABLE deliveries (
                delivery_id    text PRIMARY KEY,
                run_id         text NOT NULL REFERENCES runs (run_id),
                sequence       bigint NOT NULL,
                kind           text NOT NULL,
                payload        text NOT NULL,
                status         text NOT NULL,
                delivery_count bigint NOT NULL DEFAULT 0,
                traceparent    text NOT NULL,
                created_at     bigint NOT NULL,
                acked_at       bigint NULL,
                CONSTRAINT deliveries_run_sequence UNIQUE (run_id, sequence)
            );
            CREATE INDEX deliveries_pending ON deliveries (run_id, sequence) WHERE status = 'pending';

            CREATE TABLE events (
                run_id     text NOT NULL REFERENCES runs (run_id),
                position   bigint NOT NULL,
                event_id   text NOT NULL,
                attempt_id text NULL,
                seq        bigint NOT NULL,
                type       text NOT NULL,
                time       text NOT NULL,
                body       text NOT NULL,
                PRIMARY KEY (run_id, position),
                CONSTRAINT events_run_event UNIQUE (run_id, event_id)
            );
            CREATE INDEX events_run_type ON events (run_id, type);

            CREATE TABLE session_kv (
                session_id text NOT NULL,
                key        text NOT NULL,
                value      text NOT NULL,
                updated_at bigint NOT NULL,
                PRIMARY KEY (session_id, key)
            );

            CREATE TABLE tool_calls (
                run_id            text NOT NULL REFERENCES runs (run_id),
                tool_call_id      text NOT NULL,
                position          bigint NOT NULL,
                tool_name         text NULL,
                status            text NOT NULL,
                executor          text NULL,
                arguments         text NULL,
                arguments_text    text NULL,
                requires_approval boolean NOT NULL DEFAULT false,
                interaction_id    text NULL,
                idempotency_key   text NULL,
                provider_ref      text NULL,
                step_id           text NULL,
                execution_attempt bigint NOT NULL DEFAULT 0,
                progress          text NULL,
                result            text NULL,
                is_error          boolean NOT NULL DEFAULT false,
                error             text NULL,
                failure_reason    text NULL,
                duration_ms       bigint NULL,
                requested_at      text NULL,
                started_at        text NULL,
                finished_at       text NULL,
                PRIMARY KEY (run_id, tool_call_id),
                CONSTRAINT tool_calls_run_position UNIQUE (run_id, position)
            );

            CREATE TABLE interactions (
                run_id         text NOT NULL REFERENCES runs (run_id),
                interaction_id text NOT NULL,
                position       bigint NOT NULL,
                kind           text NOT NULL,
                blocking       boolean NOT NULL,
                request        text NOT NULL,
                status         text NOT NULL,
                outcome        text NULL,
                response       text NULL,
                reason         text NULL,
                resolved_by    text NULL,
                delivery_id    text NULL,
                expires_at     bigint NULL,
                on_expiry      text NOT NULL,
                requested_at   text NOT NULL,
                resolved_at    text NULL,
                PRIMARY KEY (run_id, interaction_id),
                CONSTRAINT interactions_run_position UNIQUE (run_id, position)
            );
            CREATE INDEX interactions_expiry ON interactions (expires_at) WHERE status = 'pending' AND expires_at IS NOT NULL;

            CREATE TABLE checkpoints (
                run_id        text NOT NULL REFERENCES runs (run_id),
                position      bigint NOT NULL,
                checkpoint_id text NOT NULL,
                input_cursor  bigint NOT NULL,
                body          text NOT NULL,
                PRIMARY KEY (run_id, position)
            );

            CREATE TABLE todo_lists (
                run_id   text NOT NULL REFERENCES runs (run_id),
                list_id  text NOT NULL,
                revision bigint NOT NULL,
                position bigint NOT NULL,
                body     text NOT NULL,
                PRIMARY KEY (run_id, list_id)
            );
            """),
        (7, "only the events that are looked up by type (deltas and completed messages) are indexed by type", """
            DROP INDEX events_run_type;
            CREATE INDEX events_run_compaction ON events (run_id, type) WHERE type IN ('message.delta', 'reasoning.delta', 'tool.call.arguments.delta', 'tool.call.progress', 'message.completed');
            """),
        (8, "an agent's runs newest first, all or of one status, in pages whose cost does not grow with the runs stored", """
            DROP INDEX runs_agent_status;
            CREATE INDEX runs_agent_status_created ON runs (agent_id, status, created_at, run_id);
            CREATE INDEX runs_agent_created ON runs (agent_id, created_at, run_id);
            """),
        (9, "a sub-run's dependencies: the runs that must finish before it starts, looked up from either side", """
            CREATE TABLE run_dependencies (
                run_id            text NOT NULL REFERENCES runs (run_id),
                depends_on_run_id text NOT NULL REFERENCES runs (run_id),
                condition         text NOT NULL,
                position          bigint NOT NULL,
                PRIMARY KEY (run_id, depends_on_run_id)
            );
            CREATE INDEX run_dependencies_dependency ON run_dependencies (depends_on_run_id);
            """),
    ];
}
