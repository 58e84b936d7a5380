/** The account, region and partition the mocks answer with (there is no AWS account here). */
export const REGION = "us-east-1";
export const ACCOUNT = "123456789012";
export const PARTITION = "aws";
