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
    ];
}
