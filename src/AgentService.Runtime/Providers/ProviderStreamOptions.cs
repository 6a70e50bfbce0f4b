using AgentService.Protocol.Ids;

namespace AgentService.Runtime.Providers;

/// <summary>How a <see cref="ProviderStreamAdapter"/> maps one model call.</summary>
public sealed class ProviderStreamOptions
{
    /// <summary>The model-call step's id; a new <c>stp_</c> id when null. Every mapped event carries it as its
    /// <c>stepid</c> while <see cref="EmitStepEvents"/> is true.</summary>
    public string? StepId { get; init; }

    /// <summary>The step this model call belongs to (e.g. the Agent Protocol step being answered), sent as
    /// <c>step.started.parentStepId</c>.</summary>
    public string? ParentStepId { get; init; }

    /// <summary>The model-call step's 0-based ordinal within the attempt (<c>step.started.index</c>). Default 0.</summary>
    public int StepIndex { get; init; }

    /// <summary>The model-call step's name, if any.</summary>
    public string? StepName { get; init; }

    /// <summary>True (default): the response's start and end become <c>step.started</c>/<c>step.finished</c> of a
    /// <c>model_call</c> step. False: no step events; the caller reads <see cref="ProviderStreamAdapter.FinishReason"/>,
    /// <see cref="ProviderStreamAdapter.Usage"/> and <see cref="ProviderStreamAdapter.Error"/> itself, and the
    /// mapped events take the publishing context's step.</summary>
    public bool EmitStepEvents { get; init; } = true;

    /// <summary>Who runs the function tools the model asks for (<c>tool.call.requested.executor</c>): runtime (default),
    /// service or client. Provider-run tools (web search, code execution, ...) are always <c>provider</c>.</summary>
    public string ToolExecutor { get; init; } = "runtime";

    /// <summary>True: every provider event is also passed on verbatim as an ephemeral <c>provider.raw</c>, before the
    /// events mapped from it (for debugging). Default false.</summary>
    public bool IncludeRawEvents { get; init; }

    /// <summary>Mints the platform ids (<c>msg</c>, <c>rsn</c>, <c>toolcall</c>, <c>stp</c> prefixes); TypeIDs by default.</summary>
    public Func<string, string> NewId { get; init; } = TypeId.New;
}
