using System.CommandLine;
using AgentService.Protocol.Gateway;
using AgentService.Protocol.Json;

namespace AgentService.Cli.Commands;

/// <summary><c>agentsvc agents list|status|register|unregister</c>: the gateway's agent registry.</summary>
internal static class AgentCommands
{
    public static Command Create(TextWriter output, TextWriter error)
    {
        var agents = new Command("agents", "List, inspect, register and unregister gateway agents.");

        var type = new Option<string?>("--type") { Description = "Only agents of this agent_type." };
        var all = new Option<bool>("--all") { Description = "Include offline agents (default: online only)." };
        var list = new Command("list", "List the registered agents.") { type, all };
        list.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var result = await context.Gateway().ListAgentsAsync(parseResult.GetValue(type), onlineOnly: !parseResult.GetValue(all), cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.AgentListResponse);
            }
            else
            {
                Render.Agents(context, result);
            }
        }));

        var statusId = CommonOptions.Id("ID", "The agent id.");
        var status = new Command("status", "Show an agent's status and last heartbeat.") { statusId };
        status.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var result = await context.Gateway().GetStatusAsync(parseResult.GetValue(statusId)!, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.AgentStatusResponse);
            }
            else
            {
                Render.AgentStatus(context, result);
            }
        }));

        var registerId = CommonOptions.Id("ID", "The agent id (1-64 letters, digits, '.', '_', '-').");
        var webhookUrl = new Option<string>("--webhook-url") { Description = "Where the gateway POSTs the agent's messages.", Required = true };
        var name = new Option<string?>("--name") { Description = "Display name (default: the id)." };
        var agentType = new Option<string?>("--type") { Description = "The agent_type (default: agent)." };
        var capabilities = new Option<string[]>("--capability") { Description = "A capability; repeat for several.", AllowMultipleArgumentsPerToken = false };
        var description = new Option<string?>("--description") { Description = "Free text." };
        var metadata = new Option<string?>("--metadata") { Description = "A JSON object stored with the card." };
        var register = new Command("register", "Register an agent (or update its card) and print its webhook secret, shown once.")
        {
            registerId, webhookUrl, name, agentType, capabilities, description, metadata,
        };
        register.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var id = parseResult.GetValue(registerId)!;
            var extra = TaskCommands.ParseObject(parseResult.GetValue(metadata), "--metadata");
            var card = new AgentCard
            {
                AgentId = id,
                AgentName = parseResult.GetValue(name) ?? id,
                AgentType = parseResult.GetValue(agentType) ?? "agent",
                Capabilities = parseResult.GetValue(capabilities) ?? [],
                Description = parseResult.GetValue(description),
                WebhookUrl = parseResult.GetValue(webhookUrl)!,
                Metadata = extra is { } value ? RawJson.From(value) : null,
            };
            var result = await context.Gateway().RegisterAsync(card, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.RegisterAgentResponse);
            }
            else
            {
                context.WriteLine($"registered {result.AgentId}");
                context.WriteLine($"webhook secret (shown once; verify pushes with it): {result.WebhookSecret}");
            }
        }));

        var unregisterId = CommonOptions.Id("ID", "The agent id.");
        var unregister = new Command("unregister", "Unregister an agent (it is marked offline).") { unregisterId };
        unregister.SetAction((parseResult, cancellationToken) => CliApp.RunClientAsync(parseResult, output, error, async context =>
        {
            var id = parseResult.GetValue(unregisterId)!;
            var result = await context.Gateway().UnregisterAsync(id, cancellationToken);
            if (context.Json)
            {
                Render.Json(context, result, ProtocolJsonContext.Wire.GatewayStatusResponse);
            }
            else
            {
                context.WriteLine($"unregistered {id}");
            }
        }));

        agents.Subcommands.Add(list);
        agents.Subcommands.Add(status);
        agents.Subcommands.Add(register);
        agents.Subcommands.Add(unregister);
        return agents;
    }
}
