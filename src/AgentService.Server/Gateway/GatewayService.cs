using System.Reflection;
using System.Text.Json;
using AgentService.Protocol.AgentProtocol;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Ids;
using AgentService.Protocol.Json;
using AgentService.Server.Agents;
using AgentService.Server.Errors;
using AgentService.Server.Observability;
using AgentService.Server.Storage;
using Microsoft.Extensions.Options;

namespace AgentService.Server.Gateway;

/// <summary>
/// The Gateway operations: the agent registry, heartbeats, messages and their delivery. A message is committed with
/// its outbox entry before any push; a direct send pushes it within the request, a queued one is left to the
/// <see cref="OutboxDispatcher"/>.
/// </summary>
internal sealed class GatewayService(
    IGatewayAgentStore agents,
    IGatewayMessageStore messages,
    ITaskStore tasks,
    IArtifactStore artifacts,
    AgentCatalog catalog,
    WebhookUrlPolicy policy,
    WebhookClient webhooks,
    DeliverySignal signal,
    IOptions<GatewayOptions> options,
    TimeProvider time,
    Security.SecretProtector protector,
    ILogger<GatewayService> logger,
    Hosting.IClusterBroadcast? cluster = null)
{
    private static readonly string Version = ReadVersion();

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    public GatewayOptions Options => options.Value;

    public async Task<RegisterAgentResponse> RegisterAsync(AgentRegistration card, Uri webhookUrl, CancellationToken cancellationToken)
    {
        if (await policy.CheckAsync(webhookUrl, cancellationToken) is { } refusal)
        {
            throw ServiceException.Invalid("webhook_url", "refused: " + refusal);
        }

        var secret = WebhookSecrets.New();
        var now = time.GetUtcNow();

        // Stored encrypted; the plaintext is in this answer only.
        await agents.RegisterAsync(card, protector.Protect(secret), now, cancellationToken);
        AddToCatalog(card);
        cluster?.Send(new Hosting.ClusterSignal(Hosting.ClusterSignalKind.Agent, card.AgentId));
        Log.AgentRegistered(logger, card.AgentId, card.WebhookUrl);

        // Messages queued while the agent was away (or for its old webhook) are pushed now.
        if (await messages.WakeAsync(card.AgentId, now, CancellationToken.None) > 0)
        {
            signal.Set();
        }

        return new RegisterAgentResponse { Status = "registered", AgentId = card.AgentId, WebhookSecret = secret };
    }

    /// <summary>A registered agent runs tasks through workers that claim its runs.</summary>
    public void AddToCatalog(AgentRegistration card) => catalog.AddRegistered(card.AgentId, card.AgentName, card.AgentType, card.Description);

    /// <summary>An agent another node registered: read from the shared registry into this node's catalog.</summary>
    public Task AddRegisteredElsewhereAsync(string agentId, CancellationToken cancellationToken) => catalog.ReadRegisteredAsync(agentId, cancellationToken);

    public async Task HeartbeatAsync(string agentId, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var previous = await agents.HeartbeatAsync(agentId, now, cancellationToken) ?? throw AgentNotFound(agentId);
        if (previous == AgentPresence.Offline && await messages.WakeAsync(agentId, now, CancellationToken.None) > 0)
        {
            signal.Set();
        }
    }

    public async Task UnregisterAsync(string agentId, CancellationToken cancellationToken)
    {
        if (!await agents.UnregisterAsync(agentId, cancellationToken))
        {
            throw AgentNotFound(agentId);
        }

        Log.AgentUnregistered(logger, agentId);
    }

    public async Task<AgentListResponse> ListAgentsAsync(string? agentType, bool onlineOnly, CancellationToken cancellationToken)
    {
        var list = await agents.ListAsync(agentType, onlineOnly, cancellationToken);
        return new AgentListResponse
        {
            Agents = list.Select(a => new AgentSummary
            {
                AgentId = a.AgentId,
                AgentName = a.Card.AgentName,
                AgentType = a.Card.AgentType,
                Capabilities = a.Card.Capabilities,
                Status = a.Status,
                LastHeartbeat = a.LastHeartbeat,
            }).ToList(),
            Total = list.Count,
        };
    }

    public async Task<AgentStatusResponse> GetStatusAsync(string agentId, CancellationToken cancellationToken)
    {
        var agent = await agents.GetAsync(agentId, cancellationToken) ?? throw AgentNotFound(agentId);
        return new AgentStatusResponse { AgentId = agent.AgentId, Status = agent.Status, LastHeartbeat = agent.LastHeartbeat };
    }

    public async Task<GatewayHealth> GetHealthAsync(CancellationToken cancellationToken) => new()
    {
        Status = "running",
        Version = Version,
        UptimeSeconds = Math.Max(0, (long)(time.GetUtcNow() - _startedAt).TotalSeconds),
        RegisteredAgents = await agents.CountAsync(cancellationToken),
    };

    /// <summary>Accepts a message. Direct: pushes it and returns <c>sent</c>, or throws a 502 naming the stored message.
    /// Queued: returns <c>queued</c> at once; the target only has to be registered.</summary>
    /// <param name="mayUseAgent">Whether the sender may use an agent's tasks: a file part may reference only an
    /// artifact of such a task (an agent key: its own agent's), or the message would tell it the name and size of
    /// anybody's file.</param>
    public async Task<SendMessageResponse> SendAsync(SendCommand command, Func<string, bool> mayUseAgent, CancellationToken cancellationToken)
    {
        var direct = command.Delivery == DeliveryModes.Direct;
        var target = await agents.GetAsync(command.ToAgentId, cancellationToken)
            ?? throw ServiceException.NotFound($"Agent '{command.ToAgentId}' is not registered.");
        if (direct && target.Status != AgentPresence.Online)
        {
            throw ServiceException.NotFound($"Agent '{command.ToAgentId}' is offline. Send with \"delivery\": \"queued\" to deliver it when the agent is back.");
        }

        if (direct && target.Card.WebhookUrl is null)
        {
            throw ServiceException.NotFound($"Agent '{command.ToAgentId}' has no webhook_url to push messages to.");
        }

        var content = await ResolveFilesAsync(command.Content, mayUseAgent, cancellationToken);
        var now = time.GetUtcNow();
        var message = new NewGatewayMessage(
            TypeId.New(IdPrefixes.Message),
            command.ConversationId ?? TypeId.New(IdPrefixes.Conversation),
            command.FromAgentId,
            command.ToAgentId,
            JsonSerializer.Serialize(content, ProtocolJsonContext.Wire.ListContentPart),
            command.Metadata,
            command.Delivery,
            now,
            now + Options.MessageExpiry,
            Observability.RequestTraceContext.CurrentOrNew());

        // Committed with its outbox entry before any push: from here on the message is not lost. A direct send holds
        // the entry leased while it pushes; if the process dies meanwhile, the entry is released and pushed at start.
        var stored = await messages.CreateAsync(message, direct ? now + Options.WebhookTimeout + Options.LeaseMargin : now, leased: direct, cancellationToken);
        if (!direct)
        {
            signal.Set();
            return new SendMessageResponse { MessageId = stored.MessageId, ConversationId = stored.ConversationId, Status = MessageStatus.Queued };
        }

        // The message is stored: push and record the outcome even if the client goes away meanwhile.
        var result = await webhooks.PushAsync(stored, target, CancellationToken.None);
        var outcome = result.Delivered ? DeliveryOutcome.Delivered : DeliveryOutcome.Failed;
        await messages.RecordAsync(new DeliveryUpdate(stored.MessageId, outcome, time.GetUtcNow(), result.Error), CancellationToken.None);
        if (!result.Delivered)
        {
            Log.PushFailed(logger, stored.MessageId, target.AgentId, 1, result.Error!);
            throw new ServiceException(ErrorCode.UpstreamFailed,
                $"Webhook push to agent '{target.AgentId}' failed: {result.Error}. The message is stored as failed: GET /gateway/messages/{stored.MessageId}.")
            {
                MessageId = stored.MessageId,
            };
        }

        return new SendMessageResponse { MessageId = stored.MessageId, ConversationId = stored.ConversationId, Status = MessageStatus.Sent };
    }

    public async Task<GatewayMessage> GetMessageAsync(string messageId, CancellationToken cancellationToken)
    {
        var message = await messages.GetAsync(messageId, cancellationToken)
            ?? throw ServiceException.NotFound($"Message '{messageId}' does not exist.");
        return ToMessage(message);
    }

    /// <summary>A page of the conversation's messages. <paramref name="mayRead"/> (an agent key's: its agent sent or
    /// received the message) must allow every message on the page and the conversation's first one; otherwise the
    /// answer is the one an unknown conversation gets, since conversation ids are chosen by clients and easily guessed,
    /// and a different answer would tell that one exists (and, through its pagination, how long it is).</summary>
    public async Task<ConversationMessagesResponse> ListConversationAsync(string conversationId, PageRequest page, Func<GatewayMessageRecord, bool> mayRead,
        CancellationToken cancellationToken)
    {
        var result = await messages.ListConversationAsync(conversationId, page, cancellationToken);
        var opener = result.TotalItems == 0 ? null
            : page.PageNumber == 1 ? result.Items[0]
            : await messages.ListConversationAsync(conversationId, new PageRequest(1, 1), cancellationToken) is { Items: [var first, ..] } ? first : null;
        if (opener is null || !mayRead(opener) || !result.Items.All(mayRead))
        {
            throw ServiceException.NotFound($"Conversation '{conversationId}' has no messages.");
        }

        return new ConversationMessagesResponse
        {
            Messages = result.Items.Select(ToMessage).ToList(),
            Pagination = Pagination.For(result.TotalItems, page.PageNumber, page.PageSize),
        };
    }

    /// <summary>The registry cards of the agents file's agents; throws naming the agent when a webhook URL is refused.</summary>
    public IReadOnlyList<AgentRegistration> HostedAgentCards()
    {
        var cards = new List<AgentRegistration>(catalog.All.Count);
        foreach (var agent in catalog.All)
        {
            if (agent.WebhookUrl is not null)
            {
                if (!WebhookUrlPolicy.TryParse(agent.WebhookUrl, out var url, out var error))
                {
                    throw new InvalidOperationException($"Agent '{agent.Id}' in the agents file has a webhookUrl that {error}.");
                }

                if (policy.CheckWithoutLookup(url) is { } refusal)
                {
                    throw new InvalidOperationException($"Agent '{agent.Id}' in the agents file has a webhookUrl the gateway refuses: {refusal}.");
                }
            }

            cards.Add(new AgentRegistration(agent.Id, agent.Name ?? agent.Id, agent.Type ?? "agent", agent.Capabilities, agent.Description ?? "",
                agent.WebhookUrl, MetadataJson(agent.Metadata)));
        }

        return cards;
    }

    private async Task<List<ContentPart>> ResolveFilesAsync(IReadOnlyList<ContentPart> parts, Func<string, bool> mayUseAgent, CancellationToken cancellationToken)
    {
        var resolved = new List<ContentPart>(parts.Count);
        for (var i = 0; i < parts.Count; i++)
        {
            var part = parts[i];
            if (part.File is not { } file)
            {
                resolved.Add(part);
                continue;
            }

            var task = await tasks.GetAsync(file.TaskId, cancellationToken)
                ?? throw ServiceException.Invalid($"content[{i}].file.task_id", $"no task '{file.TaskId}' exists");
            if (!mayUseAgent(task.AgentId))
            {
                throw new ServiceException(ErrorCode.Forbidden, $"content[{i}].file: this key may share only artifacts of its own agent's tasks; task '{file.TaskId}' is not one of them.");
            }
            var artifact = await artifacts.GetAsync(file.TaskId, file.ArtifactId, cancellationToken)
                ?? throw ServiceException.Invalid($"content[{i}].file.artifact_id", $"task '{file.TaskId}' has no artifact '{file.ArtifactId}'");
            resolved.Add(new ContentPart
            {
                Type = ContentPartTypes.File,
                Metadata = part.Metadata,
                File = new FileReference
                {
                    TaskId = task.TaskId,
                    ArtifactId = artifact.ArtifactId,
                    FileName = artifact.FileName,
                    Size = artifact.Size,
                    Uri = $"/agents/{Uri.EscapeDataString(task.AgentId)}/ap/v1/agent/tasks/{Uri.EscapeDataString(task.TaskId)}/artifacts/{Uri.EscapeDataString(artifact.ArtifactId)}",
                },
            });
        }

        return resolved;
    }

    internal static GatewayMessage ToMessage(GatewayMessageRecord message) => new()
    {
        MessageId = message.MessageId,
        ConversationId = message.ConversationId,
        FromAgentId = message.FromAgentId,
        ToAgentId = message.ToAgentId,
        Content = JsonSerializer.Deserialize(message.Content, ProtocolJsonContext.Wire.ListContentPart) ?? [],
        Metadata = new RawJson(message.Metadata),
        Delivery = message.Delivery,
        Status = message.Status,
        Attempts = message.Attempts,
        LastError = message.LastError,
        CreatedAt = message.CreatedAt,
        DeliveredAt = message.DeliveredAt,
        NextAttemptAt = message.Status == MessageStatus.Queued ? message.NextAttemptAt : null,
        ExpiresAt = message.ExpiresAt,
    };

    private static string MetadataJson(Dictionary<string, JsonElement> metadata)
    {
        using var stream = new MemoryStream();
        using (var writer = new Utf8JsonWriter(stream))
        {
            writer.WriteStartObject();
            foreach (var (key, value) in metadata)
            {
                writer.WritePropertyName(key);
                value.WriteTo(writer);
            }

            writer.WriteEndObject();
        }

        return System.Text.Encoding.UTF8.GetString(stream.ToArray());
    }

    private static ServiceException AgentNotFound(string agentId) => ServiceException.NotFound($"Agent '{agentId}' is not registered.");

    private static string ReadVersion()
    {
        var version = typeof(GatewayService).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "1.0.0";
        var plus = version.IndexOf('+', StringComparison.Ordinal);
        return plus < 0 ? version : version[..plus];
    }
}
