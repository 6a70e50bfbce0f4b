namespace AgentService.Server.Errors;

/// <summary>The error conventions of the API a request is addressed to, chosen by its path.</summary>
internal enum ErrorShape
{
    /// <summary>Agent Protocol (and everything else): <c>{"message": ...}</c>, invalid input is 422.</summary>
    AgentProtocol,

    /// <summary>Gateway (<c>/gateway/...</c>): <c>{"detail": ...}</c>, invalid input is 400.</summary>
    Gateway,
}
