namespace AgentService.Cli;

/// <summary>A command line that parsed but asks for something impossible (two actions where one goes, an argument
/// that is not JSON or not a time): printed as one <c>error:</c> line, exit code <see cref="ExitCodes.Usage"/>.</summary>
internal sealed class UsageException(string message, Exception? innerException = null) : Exception(message, innerException);
