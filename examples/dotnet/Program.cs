using System.Collections.Generic;
using System.Linq;
using Pulumi;
using Tap = Pulumi.Tap;

return await Deployment.RunAsync(() => 
{
    var config = new Config();
    var logRetentionInDays = config.GetInt32("logRetentionInDays") ?? 90;
    var eastResource = new Tap.SecureRegion("east", new()
    {
        Region = "us-east-1",
        LogRetentionInDays = logRetentionInDays,
        PasswordPolicy = new Tap.Inputs.PasswordPolicyArgs(),
        ManageAccountSettings = true,
    });

    var westResource = new Tap.SecureRegion("west", new()
    {
        Region = "us-west-2",
        CidrBlock = "10.1.0.0/16",
        LogRetentionInDays = logRetentionInDays,
    });

    var centralResource = new Tap.SecureRegion("central", new()
    {
        Region = "eu-central-1",
        CidrBlock = "10.2.0.0/16",
        AvailabilityZoneCount = 3,
        LogRetentionInDays = logRetentionInDays,
    });

    return new Dictionary<string, object?>
    {
        ["east"] = new Dictionary<string, object?>
        {
            { "vpcId", eastResource.VpcId },
            { "subnetIds", eastResource.SubnetIds },
            { "internetGatewayId", eastResource.InternetGatewayId },
            { "routeTableId", eastResource.RouteTableId },
            { "securityGroupId", eastResource.SecurityGroupId },
            { "kmsKeyId", eastResource.KmsKeyId },
            { "kmsKeyArn", eastResource.KmsKeyArn },
            { "kmsAliasName", eastResource.KmsAliasName },
            { "apiGatewayRoleArn", eastResource.ApiGatewayRoleArn },
            { "vpcEndpointId", eastResource.VpcEndpointId },
            { "s3VpcEndpointId", eastResource.S3VpcEndpointId },
            { "restApiId", eastResource.RestApiId },
            { "logGroupName", eastResource.LogGroupName },
            { "logGroupArn", eastResource.LogGroupArn },
            { "bucketName", eastResource.BucketName },
            { "bucketArn", eastResource.BucketArn },
        },
        ["west"] = new Dictionary<string, object?>
        {
            { "vpcId", westResource.VpcId },
            { "subnetIds", westResource.SubnetIds },
            { "internetGatewayId", westResource.InternetGatewayId },
            { "routeTableId", westResource.RouteTableId },
            { "securityGroupId", westResource.SecurityGroupId },
            { "kmsKeyId", westResource.KmsKeyId },
            { "kmsKeyArn", westResource.KmsKeyArn },
            { "kmsAliasName", westResource.KmsAliasName },
            { "apiGatewayRoleArn", westResource.ApiGatewayRoleArn },
            { "vpcEndpointId", westResource.VpcEndpointId },
            { "s3VpcEndpointId", westResource.S3VpcEndpointId },
            { "restApiId", westResource.RestApiId },
            { "logGroupName", westResource.LogGroupName },
            { "logGroupArn", westResource.LogGroupArn },
            { "bucketName", westResource.BucketName },
            { "bucketArn", westResource.BucketArn },
        },
        ["central"] = new Dictionary<string, object?>
        {
            { "vpcId", centralResource.VpcId },
            { "subnetIds", centralResource.SubnetIds },
            { "internetGatewayId", centralResource.InternetGatewayId },
            { "routeTableId", centralResource.RouteTableId },
            { "securityGroupId", centralResource.SecurityGroupId },
            { "kmsKeyId", centralResource.KmsKeyId },
            { "kmsKeyArn", centralResource.KmsKeyArn },
            { "kmsAliasName", centralResource.KmsAliasName },
            { "apiGatewayRoleArn", centralResource.ApiGatewayRoleArn },
            { "vpcEndpointId", centralResource.VpcEndpointId },
            { "s3VpcEndpointId", centralResource.S3VpcEndpointId },
            { "restApiId", centralResource.RestApiId },
            { "logGroupName", centralResource.LogGroupName },
            { "logGroupArn", centralResource.LogGroupArn },
            { "bucketName", centralResource.BucketName },
            { "bucketArn", centralResource.BucketArn },
        },
    };
});

