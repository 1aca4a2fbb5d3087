import * as pulumi from "@pulumi/pulumi";
import * as tap from "@tap/pulumi-tap";

const config = new pulumi.Config();
const logRetentionInDays = config.getNumber("logRetentionInDays") ?? 90;

const eastRegion = new tap.SecureRegion("east", {
    region: "us-east-1",
    logRetentionInDays,
    passwordPolicy: {},
    manageAccountSettings: true,
});
const westRegion = new tap.SecureRegion("west", {
    region: "us-west-2",
    cidrBlock: "10.1.0.0/16",
    logRetentionInDays,
});
const centralRegion = new tap.SecureRegion("central", {
    region: "eu-central-1",
    cidrBlock: "10.2.0.0/16",
    availabilityZoneCount: 3,
    logRetentionInDays,
});

function outputsOf(r: tap.SecureRegion) {
    return {
        vpcId: r.vpcId,
        subnetIds: r.subnetIds,
        internetGatewayId: r.internetGatewayId,
        routeTableId: r.routeTableId,
        securityGroupId: r.securityGroupId,
        kmsKeyId: r.kmsKeyId,
        kmsKeyArn: r.kmsKeyArn,
        kmsAliasName: r.kmsAliasName,
        apiGatewayRoleArn: r.apiGatewayRoleArn,
        vpcEndpointId: r.vpcEndpointId,
        s3VpcEndpointId: r.s3VpcEndpointId,
        restApiId: r.restApiId,
        logGroupName: r.logGroupName,
        logGroupArn: r.logGroupArn,
        bucketName: r.bucketName,
        bucketArn: r.bucketArn,
    };
}

export const east = outputsOf(eastRegion);
export const west = outputsOf(westRegion);
export const central = outputsOf(centralRegion);
