using System.CommandLine;

namespace AgentService.Cli.Commands;

/// <summary>Options shared by several commands.</summary>
internal static class CommonOptions
{
    public static Option<string?> Agent() => new("--agent") { Description = "The agent to address (default: the service's default agent)." };

    public static Option<int?> Page() => new("--page") { Description = "Page number (from 1)." };

    public static Option<int?> PageSize() => new("--page-size") { Description = "Items per page (1-100)." };
}
