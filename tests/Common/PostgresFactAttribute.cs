namespace AgentService.Tests.Common;

/// <summary>A test that needs a PostgreSQL server (several nodes sharing one database): it is reported as skipped,
/// with the reason, when <c>AGENTSERVICE_TEST_POSTGRES</c> is not set. <c>./test.sh</c> always sets it, and in CI a
/// missing PostgreSQL fails the run. Mark such tests <c>[Trait("Storage", "PostgresOnly")]</c> too.</summary>
public sealed class PostgresFactAttribute : FactAttribute
{
    internal const string SkipReason = "Needs PostgreSQL: set AGENTSERVICE_TEST_POSTGRES to an admin connection string (eng/postgres.sh start DIR prints one), or run ./test.sh.";

    public PostgresFactAttribute()
    {
        if (TestStorage.PostgresServer is null)
        {
            Skip = SkipReason;
        }
    }
}

/// <summary>A theory that needs a PostgreSQL server, skipped like <see cref="PostgresFactAttribute"/>.</summary>
public sealed class PostgresTheoryAttribute : TheoryAttribute
{
    public PostgresTheoryAttribute()
    {
        if (TestStorage.PostgresServer is null)
        {
            Skip = PostgresFactAttribute.SkipReason;
        }
    }
}
