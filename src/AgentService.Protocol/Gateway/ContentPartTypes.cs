namespace AgentService.Protocol.Gateway;

/// <summary>The <c>type</c> values of a <see cref="ContentPart"/>.</summary>
public static class ContentPartTypes
{
    /// <summary>Plain text.</summary>
    public const string Text = "text";

    /// <summary>Structured data: any JSON value.</summary>
    public const string Data = "data";

    /// <summary>A reference to an artifact stored by the service.</summary>
    public const string File = "file";
}
