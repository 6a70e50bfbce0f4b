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
    ];
}
