// Azure hosting for Pacer: one Linux App Service (Node 20) running the `all` role (web + sync).
// The database is external: Azure Cosmos DB for MongoDB (vCore or RU, 4.2+) or MongoDB Atlas,
// passed in as a connection string. Deployed by `arm/deploy` in teamsapp.yml; the outputs are
// written back to env/.env.<env> by the Toolkit (output names become variable names).

@minLength(3)
@maxLength(20)
@description('Prefix of the resource names.')
param resourceBaseName string

@description('App Service plan SKU (B1 is the smallest tier with always-on).')
param webAppSku string = 'B1'

param location string = resourceGroup().location

@description('Entra app (client) id of the bot, and its secret.')
param botAadAppClientId string
@secure()
param botAadAppClientSecret string

@description('Entra app (client) id of the tab single sign-on app.')
param aadAppClientId string

@secure()
@description('MongoDB connection string: Azure Cosmos DB for MongoDB or MongoDB Atlas.')
param mongodbUri string

@secure()
@description('PACER_SECRET_KEY: 32-byte base64 key(s), comma-separated for rotation.')
param pacerSecretKey string

var webAppName = '${resourceBaseName}-${uniqueString(resourceGroup().id)}'
var hostName = '${webAppName}.azurewebsites.net'

resource plan 'Microsoft.Web/serverfarms@2023-12-01' = {
  name: webAppName
  location: location
  kind: 'linux'
  sku: {
    name: webAppSku
  }
  properties: {
    reserved: true
  }
}

resource webApp 'Microsoft.Web/sites@2023-12-01' = {
  name: webAppName
  location: location
  kind: 'app,linux'
  properties: {
    serverFarmId: plan.id
    httpsOnly: true
    siteConfig: {
      linuxFxVersion: 'NODE|20-lts'
      alwaysOn: true
      ftpsState: 'Disabled'
      minTlsVersion: '1.2'
      healthCheckPath: '/healthz'
      appCommandLine: 'node --import tsx server/main.ts'
      appSettings: [
        { name: 'NODE_ENV', value: 'production' }
        { name: 'PORT', value: '8080' }
        { name: 'WEBSITES_PORT', value: '8080' }
        { name: 'SCM_DO_BUILD_DURING_DEPLOYMENT', value: 'false' }
        { name: 'MONGODB_URI', value: mongodbUri }
        { name: 'PACER_SECRET_KEY', value: pacerSecretKey }
        { name: 'BOT_ID', value: botAadAppClientId }
        { name: 'BOT_PASSWORD', value: botAadAppClientSecret }
        { name: 'AAD_APP_CLIENT_ID', value: aadAppClientId }
        { name: 'TAB_ENDPOINT', value: 'https://${hostName}' }
      ]
    }
  }
}

output PACER_APP_SERVICE_RESOURCE_ID string = webApp.id
output TAB_ENDPOINT string = 'https://${hostName}'
output TAB_DOMAIN string = hostName
output BOT_ENDPOINT string = 'https://${hostName}'
output BOT_DOMAIN string = hostName
