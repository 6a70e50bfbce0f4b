namespace AgentService.Cli;

/// <summary>Exit codes of <c>agentsvc</c>.</summary>
internal static class ExitCodes
{
    public const int Ok = 0;

    /// <summary>The service answered with an error (bad input, not found, ...), or a local file could not be used.</summary>
    public const int Failed = 1;

    /// <summary>The command line is wrong.</summary>
    public const int Usage = 2;

    /// <summary>The service could not be reached.</summary>
    public const int Unreachable = 3;

    /// <summary>Stopped by Ctrl+C or SIGTERM (128 + SIGINT, as shells report it).</summary>
    public const int Interrupted = 130;
}
