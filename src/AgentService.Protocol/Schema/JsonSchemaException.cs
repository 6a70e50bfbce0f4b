namespace AgentService.Protocol.Schema;

/// <summary>A schema document cannot be loaded or compiled (bad JSON, unresolvable $ref, unsupported keyword, ...).</summary>
public sealed class JsonSchemaException : Exception
{
    /// <summary>Creates the exception.</summary>
    public JsonSchemaException()
    {
    }

    /// <summary>Creates the exception with a message.</summary>
    public JsonSchemaException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and its cause.</summary>
    public JsonSchemaException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
