namespace AgentService.Runtime;

/// <summary>
/// The process's environment lacks what a runtime needs (a launcher or worker variable missing or malformed); the
/// message names the variable. <see cref="Hosting.AgentRuntime.RunMainAsync(string[], Func{Hosting.IAgent}, CancellationToken)"/>
/// turns it into a one-line message and exit code 2.
/// </summary>
public sealed class RuntimeConfigurationException : InvalidOperationException
{
    public RuntimeConfigurationException()
    {
    }

    public RuntimeConfigurationException(string message)
        : base(message)
    {
    }

    public RuntimeConfigurationException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
