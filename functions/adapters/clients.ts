/**
 * The AWS clients, built once per Lambda container. Endpoints come from the SDK's own configuration
 * (AWS_ENDPOINT_URL_<SERVICE>), which is how the local default points these same clients at DynamoDB
 * Local, the SES emulator and the local Step Functions endpoint without code of its own. Each is
 * traced (X-Ray subsegments) in a Lambda with tracing on.
 */
import { DynamoDBClient } from "@aws-sdk/client-dynamodb";
import { SESClient } from "@aws-sdk/client-ses";
import { SFNClient } from "@aws-sdk/client-sfn";
import { DynamoDBDocumentClient } from "@aws-sdk/lib-dynamodb";
import { traced } from "./tracing";

export const dynamoDocumentClient = DynamoDBDocumentClient.from(traced(new DynamoDBClient({})), {
  marshallOptions: { removeUndefinedValues: true },
});

export const stepFunctionsClient = traced(new SFNClient({}));

/** A hung SES call must not hold a Lambda until its timeout: fail fast and let the workflow retry. */
export const sesClient = traced(
  new SESClient({
    requestHandler: { requestTimeout: 5_000, connectionTimeout: 2_000 },
  }),
);
