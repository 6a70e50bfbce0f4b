using System.ClientModel;
using System.ClientModel.Primitives;
using System.Text.Json;
using AgentService.Runtime.Hosting;
using AgentService.Runtime.Providers;
using OpenAI.Responses;

namespace AgentService.Samples.OpenAIAgent;

/// <summary>
/// Answers each step with one streamed Responses call (<c>POST {baseUrl}/responses</c>, <c>stream: true</c>) made with
/// the OpenAI .NET package's <see cref="ResponsesClient"/> protocol method, so the raw Server-Sent Events go through
/// <see cref="OpenAIResponsesStreamAdapter"/> unchanged: the model call is a <c>model_call</c> step under the Agent
/// Protocol step, its text, reasoning and tool calls are published as they stream, and the step's output is the text.
/// The conversation (user inputs and answers) is kept in memory for the run, so later steps have the context.
/// </summary>
public sealed class OpenAIStepAgent : IAgent
{
    /// <summary>The secret holding the API key (falls back to the environment variable of the same name).</summary>
    public const string ApiKeySecret = "OPENAI_API_KEY";

    private readonly List<(string Role, string Text)> _conversation = [];
    private int _calls;

    public async Task<StepResult> OnStepAsync(IRunContext context, StepInput input, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentNullException.ThrowIfNull(input);
        var settings = await OpenAISettings.ReadAsync(context.Connection, cancellationToken).ConfigureAwait(false);
        var text = string.IsNullOrWhiteSpace(input.Input) ? context.Task?.Task.Instructions : input.Input;
        if (string.IsNullOrWhiteSpace(text))
        {
            return new StepResult { Output = "Nothing to ask the model: the step has no input and the task no instructions.", IsLast = true, Name = "openai" };
        }

        var client = new ResponsesClient(new ApiKeyCredential(settings.ApiKey), new ResponsesClientOptions { Endpoint = settings.BaseUrl });
        using var body = BinaryContent.Create(BinaryData.FromBytes(RequestBody(settings, _conversation, text)));
        var result = await client.CreateResponseAsync(body, new RequestOptions { BufferResponse = false, CancellationToken = cancellationToken }).ConfigureAwait(false);
        using var response = result.GetRawResponse();

        var adapter = new OpenAIResponsesStreamAdapter(new ProviderStreamOptions { ParentStepId = input.StepId, StepIndex = _calls++, StepName = settings.Model });
        await foreach (var events in adapter.MapStreamAsync(response.ContentStream!, cancellationToken).ConfigureAwait(false))
        {
            await context.PublishAsync(events, cancellationToken).ConfigureAwait(false);
        }

        if (adapter.Error is { } error)
        {
            // The events already say what failed; the Agent Protocol step fails too (additional_output.error).
            throw new InvalidOperationException($"The model call failed ({error.Code}): {error.Message}");
        }

        _conversation.Add(("user", text));
        _conversation.Add(("assistant", adapter.Text));
        return new StepResult { Output = adapter.Text, IsLast = true, Name = "openai" };
    }

    /// <summary><c>{model, instructions?, input: [...conversation, user text], stream: true}</c>.</summary>
    private static byte[] RequestBody(OpenAISettings settings, List<(string Role, string Text)> conversation, string text)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("model", settings.Model);
            if (settings.Instructions is not null)
            {
                writer.WriteString("instructions", settings.Instructions);
            }

            writer.WriteStartArray("input");
            foreach (var (role, content) in conversation.Append(("user", text)))
            {
                writer.WriteStartObject();
                writer.WriteString("role", role);
                writer.WriteString("content", content);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteBoolean("stream", true);
            writer.WriteEndObject();
        }

        return buffer.ToArray();
    }
}
