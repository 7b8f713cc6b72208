// AMIs: Nimbus's built-in images and the ones made with CreateImage.
import { DeregisterImageCommand, DescribeImagesCommand, EC2Client } from '@aws-sdk/client-ec2';
import { client } from '../aws.ts';
import { Empty, ErrorText, Loading, Panel, State, time } from '../components/ui.tsx';
import { usePoll, useAction } from '../poll.ts';

const ec2 = () => client(EC2Client);

export default function ImagesPage() {
  const images = usePoll(async () => (await ec2().send(new DescribeImagesCommand({}))).Images ?? [], []);
  const dereg = useAction((id: string) => ec2().send(new DeregisterImageCommand({ ImageId: id })), () => images.refresh());
  return (
    <>
      <h1>AMIs</h1>
      <Panel title={`Images (${images.data?.length ?? '…'})`} testId="images">
        <ErrorText error={images.error ?? dereg.error} />
        <p className="muted">Make your own with CreateImage from an instance (its root volume <code>/root</code> and attached volumes are copied).</p>
        {!images.data ? <Loading /> : images.data.length === 0 ? <Empty>No images.</Empty> : (
          <table>
            <thead><tr><th>Name</th><th>Image ID</th><th>State</th><th>Owner</th><th>Architecture</th><th>Platform</th><th>Root device</th><th>Created</th><th /></tr></thead>
            <tbody>
              {images.data.map((i) => (
                <tr key={i.ImageId} data-image={i.ImageId}>
                  <td className="wrap">{i.Name}<div className="muted small">{i.Description}</div></td>
                  <td>{i.ImageId}</td>
                  <td><State value={i.State} /></td>
                  <td>{i.ImageOwnerAlias ?? i.OwnerId}</td>
                  <td>{i.Architecture}</td>
                  <td>{i.PlatformDetails}</td>
                  <td>{i.RootDeviceName}</td>
                  <td>{i.CreationDate ? time(i.CreationDate) : '–'}</td>
                  <td>{i.ImageOwnerAlias !== 'amazon' && <button className="danger" onClick={() => dereg.run(i.ImageId!)} disabled={dereg.busy}>Deregister</button>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Panel>
    </>
  );
}
