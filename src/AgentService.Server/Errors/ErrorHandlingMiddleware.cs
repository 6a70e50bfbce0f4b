using AgentService.Server.Observability;
using AgentService.Server.Storage;

namespace AgentService.Server.Errors;

/// <summary>
/// The edge of the service: turns <see cref="ServiceException"/>, rejected requests and unexpected failures into
/// JSON errors of the API's own shape, and gives bodies to the bare status codes routing produces (404, 405).
/// Exception text never reaches the client.
/// </summary>
internal sealed partial class ErrorHandlingMiddleware(RequestDelegate next, IStorageHealth storage, TimeProvider time, ILogger<ErrorHandlingMiddleware> logger)
{
    private readonly UnavailableAnswers _unavailable = new(time);

    public async Task InvokeAsync(HttpContext context)
    {
        try
        {
            await next(context);
        }
        catch (ServiceException ex) when (!context.Response.HasStarted)
        {
            if (ex.Code is ErrorCode.Forbidden or ErrorCode.Unauthenticated && Security.AuditTarget.GetDetail(context) is null)
            {
                // A refusal an endpoint made itself (e.g. a gateway call naming another agent): its audit entry says why.
                Security.AuditTarget.SetDetail(context, ex.Message);
            }

            await ErrorResponseWriter.WriteAsync(context, ex.Code, ex.Message, ex.FieldErrors, ex.MessageId);
            return;
        }
        catch (BadHttpRequestException ex) when (!context.Response.HasStarted)
        {
            var code = ErrorMapping.FromStatusCode(ex.StatusCode);
            var message = code == ErrorCode.PayloadTooLarge ? "The request body is too large." : "The request could not be read.";
            Log.BadRequest(logger, ex.StatusCode, ex.Message);
            await ErrorResponseWriter.WriteAsync(context, code, message);
            return;
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client went away; there is nobody to answer.
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted && storage.IsOutage(ex))
        {
            // The store cannot be reached (or is full): nothing was acknowledged, and the request may simply be tried again.
            if (_unavailable.Record(out var before))
            {
                Log.StoreUnavailable(logger, context.Request.Method, context.Request.Path, before, ex.Message);
            }
            else
            {
                Log.StoreStillUnavailable(logger, context.Request.Method, context.Request.Path, ex.Message);
            }

            context.Response.Headers.RetryAfter = "1";
            await ErrorResponseWriter.WriteAsync(context, ErrorCode.Unavailable, "The service's store is unavailable right now; try again shortly.");
            return;
        }
        catch (Exception ex) when (!context.Response.HasStarted)
        {
            Log.UnhandledException(logger, context.Request.Method, context.Request.Path, ex);
            await ErrorResponseWriter.WriteAsync(context, ErrorCode.Internal, "Internal server error.");
            return;
        }

        // Routing answers an unknown route with a bare 404 and a wrong method with a bare 405: give them JSON.
        if (!context.Response.HasStarted && context.Response.StatusCode >= 400 && context.Response.ContentLength is null
            && context.Response.ContentType is null)
        {
            var code = ErrorMapping.FromStatusCode(context.Response.StatusCode);
            if (code == ErrorCode.MethodNotAllowed)
            {
                Hosting.HeadRequests.AdvertiseHead(context);
            }

            var message = code switch
            {
                ErrorCode.NotFound => $"No route matches '{context.Request.Path}'.",
                ErrorCode.MethodNotAllowed => $"Method {context.Request.Method} is not allowed on '{context.Request.Path}'.",
                _ => "The request could not be processed.",
            };
            await ErrorResponseWriter.WriteAsync(context, code, message);
        }
    }
}
